"""In Chromium, on the demo (issue 15): Pat, who sells in Sam's team without "can see money", opens Acme and its
won sale: the Xero card says it is linked, the history lists the invoices issued, and no amount of Xero's shows."""

import re

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from demo.services import INSTALMENT_SALE_ID

pytestmark = [pytest.mark.browser]

XERO_AMOUNTS = ("820.00", "2,500.00", "1,440.00", "2,788.50")  # Acme's, as Sam sees them


def test_pat_sees_acme_linked_and_no_amount(demo_world, signed_in_page, live_server):
    acme = Contact.objects.get(name="Acme Widgets Ltd")
    page = signed_in_page(demo_world.user("pat@example.com"))

    page.goto(f"{live_server.url}/contacts/{acme.pk}/")

    expect(page.locator("#invoice-panel")).to_contain_text("Xero: linked")
    expect(page.locator("#invoice-panel")).to_contain_text("Demo Company (UK)")
    expect(page.locator("#history-list")).to_contain_text("Invoice INV-0001 issued")
    expect(page.locator("#xero-status")).to_contain_text("Linked to Acme Widgets Ltd")
    shown = page.locator("main").inner_text()
    assert not [amount for amount in XERO_AMOUNTS if amount in shown]


def test_pat_sees_the_won_sales_value_but_not_its_instalments(demo_world, signed_in_page, live_server):
    page = signed_in_page(demo_world.user("pat@example.com"))

    page.goto(f"{live_server.url}/pipeline/{INSTALMENT_SALE_ID}/")

    expect(page.locator("#money-withheld").first).to_be_visible()
    expect(page.locator("#history-list")).to_contain_text("the second shop opens on time")
    shown = page.locator("main").inner_text()
    assert "6,000.00" in shown  # the sale's own value is the CRM's
    assert "1,000.00" not in shown  # each instalment's
    assert not re.search(r"Instalment \d of", shown)
