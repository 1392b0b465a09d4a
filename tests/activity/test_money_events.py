"""Money events, worked by hand from the ledger rows each test stores (no Xero call is involved)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from activity.history import Show, contact_history, opportunity_history
from opportunities.models import Instalment, InstalmentPlan, Opportunity
from tests.activity.conftest import allocation, quote
from tests.factories import InvoiceFactory, OpportunityFactory, PaymentFactory

pytestmark = pytest.mark.django_db
MAY_1 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def money(user, contact, now=MAY_1):
    page = contact_history(user=user, contact_id=contact.pk, show=Show.MONEY, page=1, now=now)
    return [(item.on, item.kind, item.amount, item.currency, item.label, item.detail) for item in page.items]


def test_an_invoice_paid_in_two_parts_and_a_credit_make_their_events_with_hand_worked_amounts(member, uk_org, customer):
    # 100.00 due 31 Mar: 60.00 paid 10 Mar, 5.00 credited 20 Mar, the remaining 35.00 paid late on 5 Apr.
    invoice = InvoiceFactory(
        connection=uk_org,
        contact=customer,
        number="INV-0042",
        status="PAID",
        amount_paid=Decimal("95.00"),
        amount_credited=Decimal("5.00"),
        fully_paid_on=date(2026, 4, 5),
    )
    PaymentFactory(invoice=invoice, amount=Decimal("60.00"), paid_on=date(2026, 3, 10))
    PaymentFactory(invoice=invoice, amount=Decimal("35.00"), paid_on=date(2026, 4, 5))
    credit_note = InvoiceFactory(
        connection=uk_org,
        contact=customer,
        kind="credit_note",
        type="ACCRECCREDIT",
        number="CN-0007",
        sub_total=Decimal("10.00"),
        remaining_credit=Decimal("5.00"),
        issued_on=date(2026, 3, 18),
    )
    allocation(credit_note, invoice, amount=Decimal("5.00"), on=date(2026, 3, 20))

    events = money(member, customer)

    assert events == [
        (date(2026, 4, 5), "payment_received", Decimal("35.00"), "GBP", "INV-0042", "full"),
        # Overdue from 1 April with 100.00 - 60.00 paid - 5.00 credited by the due date still due.
        (date(2026, 4, 1), "invoice_overdue", Decimal("35.00"), "GBP", "INV-0042", ""),
        (date(2026, 3, 20), "credit_applied", Decimal("5.00"), "GBP", "CN-0007", "INV-0042"),
        (date(2026, 3, 18), "credit_note_issued", Decimal("10.00"), "GBP", "CN-0007", ""),
        (date(2026, 3, 10), "payment_received", Decimal("60.00"), "GBP", "INV-0042", "part"),
        (date(2026, 3, 1), "invoice_issued", Decimal("100.00"), "GBP", "INV-0042", ""),
    ]


def test_an_invoice_paid_on_time_never_becomes_overdue(member, uk_org, customer):
    invoice = InvoiceFactory(
        connection=uk_org,
        contact=customer,
        status="PAID",
        amount_paid=Decimal("100.00"),
        fully_paid_on=date(2026, 3, 31),
    )
    PaymentFactory(invoice=invoice, amount=Decimal("100.00"), paid_on=date(2026, 3, 31))

    kinds = [event[1] for event in money(member, customer)]

    assert kinds == ["payment_received", "invoice_issued"]


def test_drafts_voided_invoices_and_bills_make_no_events(member, uk_org, customer):
    InvoiceFactory(connection=uk_org, contact=customer, status="DRAFT")
    InvoiceFactory(connection=uk_org, contact=customer, status="VOIDED")
    InvoiceFactory(connection=uk_org, contact=customer, type="ACCPAY", due_on=date(2026, 4, 1))

    assert money(member, customer) == []


def test_an_invoice_becomes_overdue_at_its_own_organisations_midnight(member, nz_org, customer):
    # Due 30 April in Auckland (UTC+12 in April): 11:30 UTC is still 30 April there, 12:30 UTC is 1 May.
    InvoiceFactory(connection=nz_org, contact=customer, due_on=date(2026, 4, 30), currency_code="NZD")

    before = money(member, customer, now=datetime(2026, 4, 30, 11, 30, tzinfo=UTC))
    after = money(member, customer, now=datetime(2026, 4, 30, 12, 30, tzinfo=UTC))

    assert [event[1] for event in before] == ["invoice_issued"]
    assert after[0] == (date(2026, 5, 1), "invoice_overdue", Decimal("100.00"), "NZD", after[0][4], "")


def test_a_quote_shows_when_it_was_made_and_the_status_it_has_now(member, uk_org, customer):
    quote(
        uk_org,
        customer,
        status="ACCEPTED",
        total=Decimal("500.00"),
        issued_on=date(2026, 2, 1),
        updated=datetime(2026, 2, 3, 23, 30, tzinfo=UTC),
    )
    quote(uk_org, customer, status="DRAFT", number="QU-0002", issued_on=date(2026, 2, 2))
    quote(uk_org, customer, status="DELETED", number="QU-0003")

    events = money(member, customer)

    assert [(event[0], event[1], event[2], event[4]) for event in events] == [
        (date(2026, 2, 3), "quote_accepted", Decimal("500.00"), "QU-0001"),
        (date(2026, 2, 2), "quote_created", Decimal("500.00"), "QU-0002"),
        (date(2026, 2, 1), "quote_created", Decimal("500.00"), "QU-0001"),
    ]


@pytest.fixture
def won_sale(customer, member):
    return OpportunityFactory(
        contact=customer,
        name="Ovens",
        outcome=Opportunity.Outcome.WON,
        closed_on=date(2026, 1, 15),
        value=Decimal("2000.00"),
    )


def _instalment(won_sale, position, invoice, *, amount="1000.00", due_on):
    plan, _ = InstalmentPlan.objects.get_or_create(opportunity=won_sale)
    return Instalment.objects.create(
        plan=plan, position=position, amount=Decimal(amount), currency_code="GBP", due_on=due_on, invoice=invoice
    )


def test_the_opportunity_shows_its_quotes_invoices_and_instalments_but_not_the_contacts_other_money(
    member, uk_org, customer, won_sale
):
    paid = InvoiceFactory(
        connection=uk_org,
        contact=customer,
        number="INV-1",
        reference=f"OPP-{won_sale.pk}-1",
        sub_total=Decimal("1000.00"),
        status="PAID",
        amount_paid=Decimal("1000.00"),
        issued_on=date(2026, 2, 1),
        due_on=date(2026, 2, 28),
        fully_paid_on=date(2026, 2, 20),
    )
    late = InvoiceFactory(
        connection=uk_org,
        contact=customer,
        number="INV-2",
        sub_total=Decimal("1000.00"),
        issued_on=date(2026, 3, 1),
        due_on=date(2026, 3, 31),
    )
    _instalment(won_sale, 1, paid, due_on=date(2026, 2, 28))
    _instalment(won_sale, 2, late, due_on=date(2026, 3, 31))
    quote(
        uk_org,
        customer,
        status="ACCEPTED",
        opportunity=won_sale,
        issued_on=date(2026, 1, 5),
        updated=datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
    )
    InvoiceFactory(connection=uk_org, contact=customer, number="INV-OTHER")

    page = opportunity_history(user=member, opportunity_id=won_sale.pk, show=Show.MONEY, page=1, now=MAY_1)

    assert [(item.on, item.kind, item.amount, item.label) for item in page.items] == [
        (date(2026, 4, 1), "instalment_overdue", Decimal("1000.00"), "INV-2"),
        (date(2026, 4, 1), "invoice_overdue", Decimal("1000.00"), "INV-2"),
        (date(2026, 3, 1), "invoice_issued", Decimal("1000.00"), "INV-2"),
        (date(2026, 2, 20), "instalment_paid", Decimal("1000.00"), "INV-1"),
        (date(2026, 2, 1), "invoice_issued", Decimal("1000.00"), "INV-1"),
        (date(2026, 1, 10), "quote_accepted", Decimal("500.00"), "QU-0001"),
        (date(2026, 1, 5), "quote_created", Decimal("500.00"), "QU-0001"),
    ]
    assert page.items[0].detail == "Instalment 2 of Ovens"
    assert page.items[0].headline == "Instalment 2 of Ovens became overdue"


def test_each_event_links_to_its_document_in_xero(member_client, uk_org, customer):
    invoice = InvoiceFactory(connection=uk_org, contact=customer)

    response = member_client.get(f"/history/contacts/{customer.pk}/?show=money", headers={"HX-Request": "true"})

    assert f"shortcode=%21uk01&amp;redirecturl=/AccountsReceivable/View.aspx?InvoiceID={invoice.xero_id}" in (
        response.text
    )
    assert "GBP 100.00" in response.text
