"""How a customer pays, per currency, worked by hand from the invoices and payments each test stores."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from contacts.models import Contact
from integrations.xero.models import XeroConnection
from invoices.models import Invoice
from invoices.payment_record import CurrencyRecord, payment_record
from tests.factories import InvoiceFactory, OrganisationFactory, PaymentFactory

pytestmark = pytest.mark.django_db


@dataclass
class Payer:
    """A customer of the UK organisation, and the invoices a test gives it (dates as "YYYY-MM-DD")."""

    org: XeroConnection
    contact: Contact

    def invoice(self, *, total: str = "100.00", **fields: object) -> Invoice:
        """An invoice for `total`, authorised and unpaid unless `fields` say otherwise."""
        return InvoiceFactory(connection=self.org, contact=self.contact, sub_total=Decimal(total), **fields)

    def paid(self, *, total: str, issued: str, due: str, payments: dict[str, str], currency: str = "GBP") -> Invoice:
        """An invoice paid in full by `payments` (paid on -> amount), the last of which settled it."""
        invoice = self.invoice(
            total=total,
            status="PAID",
            amount_paid=Decimal(total),
            issued_on=date.fromisoformat(issued),
            due_on=date.fromisoformat(due),
            currency_code=currency,
            fully_paid_on=date.fromisoformat(max(payments)),
        )
        for paid_on, amount in payments.items():
            PaymentFactory(invoice=invoice, paid_on=date.fromisoformat(paid_on), amount=Decimal(amount))
        return invoice


@pytest.fixture
def payer(uk_org, team_a) -> Payer:
    return Payer(org=uk_org, contact=OrganisationFactory(team=team_a))


def test_lifetime_figures_days_to_pay_and_on_time_share_per_currency(payer, uk_org):
    # GBP: A paid in 20 days, 10 days early; B paid in 39 days, 12 days late (in two payments); C unpaid.
    payer.paid(total="100.00", issued="2026-01-01", due="2026-01-31", payments={"2026-01-21": "100.00"})
    payer.paid(
        total="200.00", issued="2026-02-01", due="2026-02-28", payments={"2026-02-15": "50.00", "2026-03-12": "150.00"}
    )
    payer.invoice(total="300.00")
    # EUR: paid on its due date, 10 days after issue.
    payer.paid(total="80.00", issued="2026-01-10", due="2026-01-20", payments={"2026-01-20": "80.00"}, currency="EUR")
    # Never counted: a draft, a voided invoice, a bill, another customer's invoice.
    for never in ({"status": "DRAFT"}, {"status": "VOIDED"}, {"type": "ACCPAY"}):
        payer.invoice(total="999.00", **never)
    InvoiceFactory(connection=uk_org, sub_total=Decimal("999.00"))

    record = payment_record(contact_id=payer.contact.pk)

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


def test_a_customer_who_has_paid_nothing_has_no_averages(payer):
    payer.invoice()

    (record,) = payment_record(contact_id=payer.contact.pk)

    assert (record.invoiced, record.paid, record.average_days_to_pay, record.on_time_share, record.last_payment_on) == (
        Decimal("100.00"),
        Decimal("0.00"),
        None,
        None,
        None,
    )
    assert (record.relative_to_due, record.on_time_percent) == ("", None)


def test_early_payers_are_early_on_average(payer):
    payer.paid(total="100.00", issued="2026-01-01", due="2026-01-31", payments={"2026-01-28": "100.00"})

    (record,) = payment_record(contact_id=payer.contact.pk)

    assert (record.average_days_to_pay, record.relative_to_due) == (Decimal("27.0"), "3.0 days early")


def test_the_xero_card_shows_the_record(member_client, payer):
    payer.paid(total="100.00", issued="2026-01-01", due="2026-01-31", payments={"2026-02-05": "100.00"})

    response = member_client.get(f"/invoices/contacts/{payer.contact.pk}/", headers={"HX-Request": "true"})

    assert "How they pay" in response.text
    assert "35.0 days" in response.text
    assert "5.0 days late" in response.text
    assert "GBP 100.00 on 5 Feb 2026" in response.text
