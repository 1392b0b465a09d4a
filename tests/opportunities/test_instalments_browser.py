from datetime import date

import pytest
from playwright.sync_api import expect

from tests.factories import InvoiceFactory, OpportunityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_plan_is_created_and_matched_on_the_opportunity_page_without_a_reload(
    signed_in_page, member, team_a, uk_org, live_server
):
    sale = OpportunityFactory(
        name="Ovens for the new shop", contact__team=team_a, outcome="won", closed_on=date(2026, 1, 5)
    )
    InvoiceFactory(connection=uk_org, contact=sale.contact, number="INV-0777", due_on=date(2030, 2, 1))
    page = signed_in_page(member)
    page.goto(f"{live_server.url}/pipeline/{sale.pk}/")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Instalments").fill("2")
    page.get_by_label("First due on").fill("2030-02-01")
    page.get_by_role("button", name="Create plan").click()
    expect(page.locator(".progress")).to_have_text("0 of 2 paid, next due 1 Feb 2030")
    page.get_by_label("Invoice for instalment 1").select_option(label="INV-0777 · GBP 100.00 · due 1 Feb 2030")
    page.get_by_role("button", name="Match").first.click()

    expect(page.locator("#instalment-plan tbody tr").first).to_contain_text("Due in")
    expect(page.locator("#instalment-plan tbody tr").first).to_contain_text("INV-0777")
    assert page.evaluate("window.notReloaded") is True
