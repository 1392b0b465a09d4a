from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import InvoiceFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def panel(client, contact, **params):
    return client.get(reverse("invoices:contact", args=[contact.pk]), params, headers={"HX-Request": "true"})


def test_the_panel_comes_alone_for_htmx_and_inside_a_page_without(member_client, team_a, uk_org):
    contact = OrganisationFactory(team=team_a)
    InvoiceFactory(connection=uk_org, contact=contact, number="INV-0042")

    partial = panel(member_client, contact)
    page = member_client.get(reverse("invoices:contact", args=[contact.pk]))

    assert partial.text.lstrip().startswith('<div class="invoice-panel"')
    assert "INV-0042" in partial.text
    assert "<nav" in page.text
    assert "INV-0042" in page.text


def test_an_overdue_foreign_currency_invoice_shows_its_amount_and_days(member_client, team_a, uk_org):
    contact = OrganisationFactory(team=team_a)
    today = timezone.localdate()
    InvoiceFactory(
        connection=uk_org,
        contact=contact,
        currency_code="USD",
        currency_rate=Decimal("1.25"),
        sub_total=Decimal("250.00"),
        due_on=today - timedelta(days=12),
        issued_on=today - timedelta(days=40),
    )

    response = panel(member_client, contact)

    assert "USD 250.00" in response.text
    assert "Overdue 12 days" in response.text


def test_drafts_are_hidden_until_asked_for(member_client, team_a, uk_org):
    contact = OrganisationFactory(team=team_a)
    InvoiceFactory(connection=uk_org, contact=contact, number="INV-DRAFT", status="DRAFT")

    hidden, shown = panel(member_client, contact), panel(member_client, contact, all="1")

    assert "INV-DRAFT" not in hidden.text
    assert "INV-DRAFT" in shown.text


def test_invoice_numbers_link_to_xero_with_the_short_code(member_client, team_a, uk_org):
    contact = OrganisationFactory(team=team_a)
    invoice = InvoiceFactory(connection=uk_org, contact=contact)

    response = panel(member_client, contact)

    deep_link = f"shortcode=%21uk01&amp;redirecturl=/AccountsReceivable/View.aspx?InvoiceID={invoice.xero_id}"
    assert deep_link in response.text


@pytest.mark.parametrize(
    ("kind", "type_", "path"),
    [
        ("invoice", "ACCREC", "/AccountsReceivable/View.aspx?InvoiceID="),
        ("invoice", "ACCPAY", "/AccountsPayable/Edit.aspx?InvoiceID="),
        ("credit_note", "ACCRECCREDIT", "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID="),
        ("credit_note", "ACCPAYCREDIT", "/AccountsPayable/ViewCreditNote.aspx?creditNoteID="),
    ],
)
def test_each_document_type_links_to_its_own_page_in_xero(member_client, team_a, uk_org, kind, type_, path):
    """Issue 14 point 8: bills and supplier credit notes open under AccountsPayable, as Xero's deep-link docs say
    (they used to open the sales invoice and sales credit note pages)."""
    contact = OrganisationFactory(team=team_a)
    document = InvoiceFactory(connection=uk_org, contact=contact, kind=kind, type=type_)

    response = panel(member_client, contact, all="1")

    assert f"shortcode=%21uk01&amp;redirecturl={path}{document.xero_id}" in response.text


@pytest.mark.parametrize("invoice_count", [0, 300])
def test_the_panel_costs_the_same_queries_for_0_or_300_invoices(
    member_client, team_a, uk_org, invoice_count, django_assert_max_num_queries
):
    contact = OrganisationFactory(team=team_a)
    InvoiceFactory.create_batch(invoice_count, connection=uk_org, contact=contact, due_on=date(2026, 1, 1))

    with django_assert_max_num_queries(15):
        response = panel(member_client, contact)

    assert response.status_code == 200


def test_the_contact_page_loads_the_panel_lazily(member_client, team_a):
    contact = OrganisationFactory(team=team_a)

    page = member_client.get(reverse("contacts:detail", args=[contact.pk]))

    assert f'hx-get="{reverse("invoices:contact", args=[contact.pk])}"' in page.text
    assert "invoices-changed from:body" in page.text
