from decimal import Decimal

import pytest
from playwright.sync_api import expect

from integrations.xero.models import XeroContact
from tests.factories import OpportunityFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_quote_made_from_the_opportunity_page_shows_on_it_as_a_draft(
    signed_in_page, mfa_admin, xero, xero_connection, live_server
):
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    contact = XeroContact.objects.get(xero_id=customer["ContactID"]).contact
    opportunity = OpportunityFactory(
        name="Wedding cakes", contact=contact, team=contact.team, value=Decimal("900.00"), currency_code="GBP"
    )
    page = signed_in_page(mfa_admin)
    page.goto(f"{live_server.url}/pipeline/{opportunity.pk}/")
    expect(page.locator("#opportunity-quotes")).to_contain_text("No quotes in Xero yet.")

    page.locator("#opportunity-quotes").get_by_role("link", name="Create quote in Xero").click()
    page.get_by_role("button", name="Create draft quote in Xero").click()

    expect(page.locator(".messages")).to_contain_text("is a draft in Xero")
    expect(page.locator("#opportunity-quotes")).to_contain_text("QU-0001")
    expect(page.locator("#opportunity-quotes .chip")).to_have_text("Draft")
