"""An opportunity's line items picked from the organisation's Xero Items, invoiced with the item's account and tax
or the organisation's defaults; and an accepted quote's lines copied into an invoice (issue 16)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from integrations.xero.models import XeroConnection, XeroContact
from invoices.models import Item, Quote
from opportunities.models import Opportunity, OpportunityLine
from tests.factories import OpportunityFactory
from tests.xero.quote_data import form_data, quote_status_set, submit
from tests.xero.sync_data import load, sync
from tests.xero.test_invoices import invoice_data, sandbox_invoices
from tests.xero.test_invoices import submit as invoice_submit
from tests.xero_records import xero_contact, xero_invoice, xero_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(xero_connection, xero):
    """A won opportunity of a linked customer, in an organisation with two items and revenue account 260 as its
    default for lines that name none."""
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    xero.sandbox.load(
        xero.uk_tenant_id,
        {
            "Items": [
                xero_item(code="CAKE", name="Celebration cake", price="40.00", account="200", tax_type="OUTPUT2"),
                xero_item(code="DELIVERY", name="Delivery", price="15.00", account="260", tax_type="ZERORATEDOUTPUT"),
            ]
        },
    )
    sync(xero_connection)
    XeroConnection.objects.filter(pk=xero_connection.pk).update(sales_account_code="260", sales_tax_type="NONE")
    link = XeroContact.objects.get(xero_id=customer["ContactID"])
    return OpportunityFactory(
        name="Wedding cakes",
        contact=link.contact,
        value=Decimal("900.00"),
        outcome=Opportunity.Outcome.WON,
        closed_on="2026-11-20",
    )


def _lines_url(deal: Opportunity) -> str:
    return reverse("xero:opportunity_lines", args=[deal.pk])


def test_the_picker_finds_items_by_code_name_or_description(seller_client, deal):
    found = seller_client.get(reverse("xero:item_search", args=[deal.pk]), {"q": "celebr"})

    assert found.status_code == 200
    assert 'data-code="CAKE"' in found.text
    assert "DELIVERY" not in found.text


def test_a_picked_item_fills_the_line_and_its_codes_are_kept(seller_client, deal):
    cake = Item.objects.get(code="CAKE")

    prefilled = seller_client.get(_lines_url(deal), {"item": cake.pk}, headers={"HX-Request": "true"})
    added = seller_client.post(
        _lines_url(deal),
        {
            "item": cake.pk,
            "description": "Three-tier cake",
            "quantity": "3",
            "unit_amount": "40.00",
            "discount_rate": "10",
        },
        headers={"HX-Request": "true"},
    )

    assert prefilled.context["form"].initial == {
        "item": cake.pk,
        "description": "Celebration cake",
        "quantity": 1,
        "unit_amount": Decimal("40.00"),
        "account_code": "200",
        "tax_type": "OUTPUT2",
    }
    assert added.status_code == 200
    line = OpportunityLine.objects.get(opportunity=deal)
    assert (line.item_code, line.account_code, line.tax_type, line.line_amount) == (
        "CAKE",
        "200",
        "OUTPUT2",
        Decimal("108.00"),  # 3 x 40 less 10%
    )
    assert 'id="lines-total">GBP 108.00' in added.text


def test_a_line_is_removed(seller_client, deal):
    line = deal.lines.create(position=1, description="Cake", quantity=1, unit_amount=40)

    removed = seller_client.post(
        reverse("xero:opportunity_line_delete", args=[deal.pk, line.pk]), headers={"HX-Request": "true"}
    )

    assert removed.status_code == 200
    assert not deal.lines.exists()


def test_an_invoice_of_the_lines_carries_the_items_codes_and_the_organisations_defaults(
    seller_client, deal, xero_connection
):
    deal.lines.create(
        position=1,
        item_code="CAKE",
        description="Cake",
        quantity=2,
        unit_amount=40,
        account_code="200",
        tax_type="OUTPUT2",
    )
    deal.lines.create(position=2, description="Setting up", quantity=1, unit_amount=25)
    page = seller_client.get(reverse("xero:invoice_create", args=[deal.pk]))
    rows = [
        (line["item_code"], line["description"], line["account_code"], line["tax_type"])
        for line in page.context["lines"].initial
    ]
    data = invoice_data(
        xero_connection,
        **{
            "lines-0-item_code": "CAKE",
            "lines-0-description": "Cake",
            "lines-0-quantity": "2",
            "lines-0-unit_amount": "40.00",
            "lines-0-discount_rate": "",
            "lines-0-account_code": "200",
            "lines-0-tax_type": "OUTPUT2",
            "lines-1-description": "Setting up",
            "lines-1-quantity": "1",
            "lines-1-unit_amount": "25.00",
        },
    )

    response = invoice_submit(seller_client, deal, data)

    assert rows == [("CAKE", "Cake", "200", "OUTPUT2"), ("", "Setting up", "", "")]
    assert response.status_code == 302
    (made,) = sandbox_invoices(xero_connection)
    assert [(line.get("ItemCode"), line["AccountCode"], line["TaxType"]) for line in made["LineItems"]] == [
        ("CAKE", "200", "OUTPUT2"),
        (None, "260", "OUTPUT2"),  # no item: the organisation's account, with that account's own tax rate
    ]
    assert made["SubTotal"] == Decimal("105.00")


def test_an_accepted_quotes_lines_are_copied_into_the_invoice_form(seller_client, deal, xero_connection):
    Opportunity.objects.filter(pk=deal.pk).update(outcome="open", closed_on=None)
    submit(seller_client, deal, form_data(xero_connection))
    quote = Quote.objects.get()
    quote_status_set(xero_connection, quote, "SENT", "ACCEPTED")
    sync(xero_connection)
    Opportunity.objects.filter(pk=deal.pk).update(outcome="won", closed_on="2026-11-26")

    panel = seller_client.get(reverse("xero:opportunity_quotes", args=[deal.pk]), headers={"HX-Request": "true"})
    page = seller_client.get(reverse("xero:invoice_create", args=[deal.pk]), {"quote": quote.pk})

    assert f"?quote={quote.pk}" in panel.text
    assert "Invoice this quote" in panel.text
    assert page.status_code == 200
    assert "Invoice this quote" in page.text
    assert [(line["description"], line["quantity"], line["unit_amount"]) for line in page.context["lines"].initial] == [
        ("Shelving", Decimal("2.0000"), Decimal("500.00")),
        ("Counter", Decimal("1.0000"), Decimal("250.00")),
    ]
