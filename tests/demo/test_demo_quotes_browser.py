"""The demo's quotes, walked in Chromium: a quote on a contact's Xero card shows on the opportunity it was made for.

A new user saw Bluebell Bakery's card list the sent quote "Second shop fit-out" while the opportunity page said
"No quotes in Xero yet": the seeded quotes carried no `OPP-<id>` reference, so the sync tied them to nothing.
"""

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from demo.services import DATA
from invoices.models import Quote

pytestmark = [pytest.mark.browser]


def test_sams_bluebell_quote_shows_on_the_contact_card_and_on_its_opportunity(demo_world, signed_in_page, live_server):
    bluebell = Contact.objects.get(name="Bluebell Bakery")
    (sale,) = [sale for sale in DATA["quoted_sales"]["sales"] if sale["contact"] == "Bluebell Bakery"]
    quote = Quote.objects.get(title="Second shop fit-out")
    page = signed_in_page(demo_world.user("sam@example.com"))

    page.goto(f"{live_server.url}/contacts/{bluebell.pk}/")
    expect(page.get_by_text("Second shop fit-out").first).to_be_visible()
    page.goto(f"{live_server.url}/pipeline/{sale['id']}/")

    quotes = page.locator("#opportunity-quotes")
    expect(quotes).to_contain_text(quote.number)
    expect(quotes).to_contain_text("Second shop fit-out")
    expect(quotes.locator(".chip")).to_have_text("Sent")
    expect(quotes).not_to_contain_text("No quotes in Xero yet")
