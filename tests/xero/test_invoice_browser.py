"""Issue 16, "Done when": in Chromium on the demo, winning an Acme opportunity and pressing "Create invoice in Xero"
gives one draft invoice in the sandbox with the chosen item's account and tax, and its lines' total."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from demo.services import DATA
from invoices.models import Invoice
from opportunities.models import Opportunity
from tests.xero.quote_data import xero_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_winning_an_acme_deal_and_invoicing_it_makes_one_draft_with_the_items_codes(
    demo_world, signed_in_page, live_server
):
    deal = Opportunity.objects.get(name=DATA["invoice_sale"]["name"])
    uk = demo_world.connections["Demo Company (UK)"]
    page = signed_in_page(demo_world.user("sam@example.com"))
    page.goto(f"{live_server.url}/pipeline/{deal.pk}/")

    # Its lines, picked from the organisation's Xero items.
    lines = page.locator("#opportunity-lines")
    lines.get_by_label("Pick a Xero item").fill("consult")
    lines.locator(".item-pick", has_text="CONSULT-DAY").click()
    expect(lines.get_by_label("Description")).to_have_value("One day of on-site consulting")
    lines.get_by_label("Quantity").fill("2")
    lines.get_by_label("Discount %").fill("5")
    lines.get_by_role("button", name="Add line").click()
    expect(lines.locator("#lines-total")).to_have_text("GBP 1,615.00")  # 2 x 850 less 5%

    # Won, then invoiced.
    page.get_by_label("Won").check()
    page.get_by_role("button", name="Close opportunity").click()
    page.locator("#opportunity-invoices").get_by_role("link", name="Create invoice in Xero").click()
    expect(page.locator("#due-source")).to_contain_text("the contact's terms: 14 day(s) after the invoice date")
    expect(page.get_by_role("radio", name="Draft", exact=True)).to_be_checked()
    page.get_by_role("button", name="Create invoice in Xero").click()

    expect(page.locator(".messages")).to_contain_text("is in Xero as draft")
    expect(page.locator("#opportunity-invoices")).to_contain_text(f"OPP-{deal.pk}")
    made = [
        invoice
        for invoice in xero_api(uk).request("GET", "Invoices", params={"page": "1"})["Invoices"]
        if invoice["Reference"] == f"OPP-{deal.pk}"
    ]
    assert len(made) == 1
    (invoice,) = made
    assert invoice["Status"] == "DRAFT"
    assert [(line["ItemCode"], line["AccountCode"], line["TaxType"]) for line in invoice["LineItems"]] == [
        ("CONSULT-DAY", "210", "OUTPUT2")
    ]
    assert invoice["SubTotal"] == Decimal("1615.00")
    assert Invoice.objects.get(xero_id=invoice["InvoiceID"]).status == "DRAFT"
