"""How a customer pays, per currency, worked by hand from the invoices and payments each test stores."""

from datetime import date
from decimal import Decimal

import pytest

from invoices.payment_record import CurrencyRecord, payment_record
from tests.factories import InvoiceFactory, OrganisationFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def _paid(org, contact, *, total, issued_on, due_on, payments, currency="GBP"):
    invoice = InvoiceFactory(
        connection=org,
        contact=contact,
        sub_total=Decimal(total),
        status="PAID",
        amount_paid=Decimal(total),
        issued_on=issued_on,
        due_on=due_on,
        currency_code=currency,
        fully_paid_on=payments[-1][0],
    )
    for paid_on, amount in payments:
        PaymentFactory(invoice=invoice, paid_on=paid_on, amount=Decimal(amount))
    return invoice


def test_lifetime_figures_days_to_pay_and_on_time_share_per_currency(uk_org, team_a):
    customer = OrganisationFactory(team=team_a)
    # GBP: A paid in 20 days, 10 days early; B paid in 39 days, 12 days late (in two payments); C unpaid.
    _paid(
        uk_org,
        customer,
        total="100.00",
        issued_on=date(2026, 1, 1),
        due_on=date(2026, 1, 31),
        payments=[(date(2026, 1, 21), "100.00")],
    )
    _paid(
        uk_org,
        customer,
        total="200.00",
        issued_on=date(2026, 2, 1),
        due_on=date(2026, 2, 28),
        payments=[(date(2026, 2, 15), "50.00"), (date(2026, 3, 12), "150.00")],
    )
    InvoiceFactory(connection=uk_org, contact=customer, sub_total=Decimal("300.00"))
    # EUR: paid on its due date, 10 days after issue.
    _paid(
        uk_org,
        customer,
        total="80.00",
        issued_on=date(2026, 1, 10),
        due_on=date(2026, 1, 20),
        payments=[(date(2026, 1, 20), "80.00")],
        currency="EUR",
    )
    # Never counted: a draft, a voided invoice, a bill, another customer's invoice.
    InvoiceFactory(connection=uk_org, contact=customer, sub_total=Decimal("999.00"), status="DRAFT")
    InvoiceFactory(connection=uk_org, contact=customer, sub_total=Decimal("999.00"), status="VOIDED")
    InvoiceFactory(connection=uk_org, contact=customer, sub_total=Decimal("999.00"), type="ACCPAY")
    InvoiceFactory(connection=uk_org, sub_total=Decimal("999.00"))

    record = payment_record(contact_id=customer.pk)

    assert record == (
        CurrencyRecord(
            currency="EUR",
            invoiced=Decimal("80.00"),
            paid=Decimal("80.00"),
            paid_invoices=1,
            average_days_to_pay=Decimal("10.0"),
            average_days_after_due=Decimal("0.0"),
            on_time_share=Decimal(1),
            last_payment_on=date(2026, 1, 20),
            last_payment_amount=Decimal("80.00"),
        ),
        CurrencyRecord(
            currency="GBP",
            invoiced=Decimal("600.00"),
            paid=Decimal("300.00"),
            paid_invoices=2,
            average_days_to_pay=Decimal("29.5"),
            average_days_after_due=Decimal("1.0"),
            on_time_share=Decimal("0.5"),
            last_payment_on=date(2026, 3, 12),
            last_payment_amount=Decimal("150.00"),
        ),
    )
    assert [(r.relative_to_due, r.on_time_percent) for r in record] == [("on the due date", 100), ("1.0 days late", 50)]


def test_a_customer_who_has_paid_nothing_has_no_averages(uk_org, team_a):
    customer = OrganisationFactory(team=team_a)
    InvoiceFactory(connection=uk_org, contact=customer)

    (record,) = payment_record(contact_id=customer.pk)

    assert (record.invoiced, record.paid, record.average_days_to_pay, record.on_time_share, record.last_payment_on) == (
        Decimal("100.00"),
        Decimal("0.00"),
        None,
        None,
        None,
    )
    assert (record.relative_to_due, record.on_time_percent) == ("", None)


def test_early_payers_are_early_on_average(uk_org, team_a):
    customer = OrganisationFactory(team=team_a)
    _paid(
        uk_org,
        customer,
        total="100.00",
        issued_on=date(2026, 1, 1),
        due_on=date(2026, 1, 31),
        payments=[(date(2026, 1, 28), "100.00")],
    )

    (record,) = payment_record(contact_id=customer.pk)

    assert (record.average_days_to_pay, record.relative_to_due) == (Decimal("27.0"), "3.0 days early")


def test_the_xero_card_shows_the_record(member_client, uk_org, team_a):
    customer = OrganisationFactory(team=team_a)
    _paid(
        uk_org,
        customer,
        total="100.00",
        issued_on=date(2026, 1, 1),
        due_on=date(2026, 1, 31),
        payments=[(date(2026, 2, 5), "100.00")],
    )

    response = member_client.get(f"/invoices/contacts/{customer.pk}/", headers={"HX-Request": "true"})

    assert "How they pay" in response.text
    assert "35.0 days" in response.text
    assert "5.0 days late" in response.text
    assert "GBP 100.00 on 5 Feb 2026" in response.text
