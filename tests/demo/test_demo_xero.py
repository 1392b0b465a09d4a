"""The demo after connecting Xero: the hand-checked customer, Acme Widgets Ltd, reads right on every page.

Worked by hand from the sandbox's demo seed (xero_sandbox/seed/demo.json, "uk"), in Demo Company (UK), GBP:
- INV-0001: 1,200.00 + 20% VAT = 1,440.00, due 10 days ago; paid 300.00 and 200.00; credit note CN-0001
  (100.00 + VAT = 120.00) allocated to it: 1,440.00 - 500.00 - 120.00 = 820.00 due, overdue 10 days.
- INV-0002: USD 2,500.00, no tax, rate 1.27 USD per GBP, due 45 days ago, unpaid: GBP 1,968.503937.
- INV-0003: 640.00 + VAT = 768.00, paid in full.
Outstanding: GBP 820.00 and USD 2,500.00, which is GBP 820.00 + 1,968.50 = 2,788.50 in the base currency;
all of it overdue, the oldest by 45 days. The credit note has nothing left to allocate.
"""

import re

import pytest
from django.urls import reverse

from contacts.models import Contact
from demo.services import DATA
from invoices.models import Quote

pytestmark = pytest.mark.usefixtures("demo_world")


@pytest.fixture
def acme() -> Contact:
    return Contact.objects.get(name="Acme Widgets Ltd")


@pytest.fixture
def sam(client, demo_world):
    """Sam sells for the Sales team, which owns Acme Widgets Ltd."""
    client.force_login(demo_world.user("sam@example.com"))
    return client


def uk_section(panel: str) -> str:
    return panel.split("Xero · Demo Company (UK) (GBP)")[1].split('<div class="org">')[0]


def row_of(section: str, number: str) -> str:
    return re.search(rf"<tr>(?:(?!</tr>).)*>{number}</a>(?:(?!</tr>).)*</tr>", section, re.S).group(0)


def test_the_panel_shows_part_payments_the_credit_note_and_the_foreign_currency_debt(sam, acme):
    panel = sam.get(reverse("invoices:contact", args=[acme.pk]), headers={"HX-Request": "true"}).text

    uk = uk_section(panel)
    assert "<dd><span>GBP 820.00</span><span>USD 2,500.00</span>" in uk
    assert "= GBP 2,788.50" in uk
    assert '<span class="chip overdue">GBP 820.00</span><span class="chip overdue">USD 2,500.00</span>' in uk
    assert "oldest 45 days overdue" in uk
    assert "Credit available" not in uk
    part_paid = row_of(uk, "INV-0001")
    assert "GBP 1,440.00" in part_paid
    assert "GBP 820.00" in part_paid
    assert "Part-paid · Overdue 10 days" in part_paid
    assert "PO-4471" in part_paid
    assert "Overdue 45 days" in row_of(uk, "INV-0002")
    credit = row_of(uk, "CN-0001")
    assert "GBP 120.00" in credit
    assert "ViewCreditNote.aspx?creditNoteID=" in credit
    assert "Paid" in row_of(uk, "INV-0003")


def test_the_contact_page_says_it_is_linked_in_both_organisations(sam, acme):
    status = sam.get(reverse("xero:contact_status", args=[acme.pk]), headers={"HX-Request": "true"}).text

    assert status.count("Linked to Acme Widgets Ltd") == 2
    assert "Sync this contact now" in status


def test_the_dashboard_lists_acme_as_overdue_for_45_days(sam, acme):
    page = sam.get(reverse("dashboard")).text

    overdue = page.split('id="overdue-accounts"')[1].split("</section>")[0]
    acme_row = re.search(r"<tr>(?:(?!</tr>).)*Acme Widgets Ltd(?:(?!</tr>).)*</tr>", overdue, re.S).group(0)
    assert "GBP 820.00" in acme_row
    assert "USD 2,500.00" in acme_row
    assert "45 days" in acme_row


def test_the_pipeline_badges_acmes_open_deals_as_owing_overdue_money(sam, acme):
    page = sam.get(reverse("opportunities:pipeline")).text

    cards = re.findall(r'<article class="deal"(?:(?!</article>).)*</article>', page, re.S)
    acme_cards = [card for card in cards if "Acme Widgets Ltd" in card]
    assert acme_cards
    assert all("Owes overdue" in card for card in acme_cards)
    assert any("Owes overdue" not in card for card in cards)


def test_another_team_cannot_see_acmes_panel(client, demo_world, acme):
    client.force_login(demo_world.user("alex@example.com"))

    assert client.get(reverse("invoices:contact", args=[acme.pk])).status_code == 404


def test_pat_who_may_not_see_money_sees_acme_linked_with_no_amount(client, demo_world, acme):
    """Issue 15: Pat sells in Sam's team without "can see money": the same Acme, linked, without its amounts."""
    client.force_login(demo_world.user("pat@example.com"))

    panel = client.get(reverse("invoices:contact", args=[acme.pk]), headers={"HX-Request": "true"}).text
    history = client.get(reverse("activity:contact_history", args=[acme.pk]), headers={"HX-Request": "true"}).text
    dashboard = client.get(reverse("dashboard")).text

    assert "Xero: linked</span> Demo Company (UK)" in panel
    assert "Invoice INV-0001 issued" in history
    assert "Chased the overdue invoice" in history
    for text in (panel, history, dashboard):
        assert "820.00" not in text
        assert "2,500.00" not in text
        assert "1,440.00" not in text


def test_every_demo_quote_of_a_crm_contact_shows_on_the_opportunity_it_was_made_for(client, demo_world):
    """Only the quote Quayside's accounts made in Xero for no sale (its contact came from Xero) has no opportunity."""
    client.force_login(demo_world.admin)

    for sale in DATA["quoted_sales"]["sales"]:
        quote = Quote.objects.get(reference=f"OPP-{sale['id']}")
        page = client.get(reverse("xero:opportunity_quotes", args=[sale["id"]]), headers={"HX-Request": "true"}).text
        assert quote.number in page, sale["name"]
        assert "No quotes in Xero yet" not in page
    loose = Quote.objects.filter(contact__isnull=False, opportunity__isnull=True)
    assert list(loose.values_list("title", flat=True)) == ["Summer festival staging"]
