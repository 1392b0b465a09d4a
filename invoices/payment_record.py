"""What the money says about a customer: per currency, what they were invoiced and paid over their lifetime, how
long they take to pay (from issue, and relative to the due date), how often they pay on time, and their last
payment. Read from the invoice mirror in three aggregate queries, whatever the number of documents.

`payment_record` is the one source of these figures for the contact's Xero card, so a later "can see money"
rule has one place to withhold them. Only sales count: AUTHORISED or PAID ACCREC invoices and their AUTHORISED
payments. "Paid" means Xero marked the invoice PAID, on its FullyPaidOnDate; credit notes that settled an invoice
count towards that date but not towards the money paid.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DecimalField, F, Func, Q, Sum, Window
from django.db.models.functions import RowNumber

from invoices.models import Invoice, Payment

_SALES = Q(type=Invoice.Type.ACCREC, status__in=[Invoice.Status.AUTHORISED, Invoice.Status.PAID])
_PAID = Q(status=Invoice.Status.PAID, fully_paid_on__isnull=False)
_DAYS = DecimalField(max_digits=12, decimal_places=4)
TENTHS = Decimal("0.1")


class DaysBetween(Func):
    """Whole days from the second date to the first (negative when the first is earlier), in SQL."""

    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = _DAYS

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps dates as text: julianday() makes them numbers of days.
        return self.as_sql(
            compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday(", **extra_context
        )


@dataclass(frozen=True, slots=True)
class CurrencyRecord:
    """A customer's record in one currency. Averages are in days, rounded to one decimal place; they and
    `on_time_share` are None when no invoice has been paid (with a due date, for the last two)."""

    currency: str
    invoiced: Decimal
    paid: Decimal
    paid_invoices: int
    average_days_to_pay: Decimal | None
    average_days_after_due: Decimal | None  # negative: paid before the due date on average
    on_time_share: Decimal | None  # 0..1: paid invoices with a due date settled on or before it
    last_payment_on: date | None
    last_payment_amount: Decimal | None

    @property
    def relative_to_due(self) -> str:
        """The average payment against the due date in words: "3.5 days late", "2.0 days early", "on the due date"
        ("" when no invoice with a due date has been paid)."""
        days = self.average_days_after_due
        if days is None:
            return ""
        if days == 0:
            return "on the due date"
        return f"{abs(days)} days {'late' if days > 0 else 'early'}"

    @property
    def on_time_percent(self) -> int | None:
        if self.on_time_share is None:
            return None
        return int((self.on_time_share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _tenths(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(TENTHS, rounding=ROUND_HALF_UP)


def payment_record(*, contact_id: int) -> tuple[CurrencyRecord, ...]:
    """The contact's record per currency (sorted by currency code), from its own invoices in every organisation.

    The caller has checked that the user may see the contact (`invoices.selectors.invoice_summary` does).
    Three queries whatever the number of invoices and payments.
    """
    invoices = Invoice.objects.filter(_SALES, contact_id=contact_id)
    with_due = _PAID & Q(due_on__isnull=False)
    groups = (
        invoices.values("currency_code")
        .order_by("currency_code")
        .annotate(
            invoiced=Sum("total"),
            paid_invoices=Count("pk", filter=_PAID),
            days_to_pay=Avg(
                DaysBetween(F("fully_paid_on"), F("issued_on")),
                filter=_PAID & Q(issued_on__isnull=False),
                output_field=_DAYS,
            ),
            days_after_due=Avg(DaysBetween(F("fully_paid_on"), F("due_on")), filter=with_due, output_field=_DAYS),
            with_due=Count("pk", filter=with_due),
            on_time=Count("pk", filter=with_due & Q(fully_paid_on__lte=F("due_on"))),
        )
    )
    payments = Payment.objects.filter(status=Payment.Status.AUTHORISED, invoice__in=invoices)
    paid = dict(
        payments.values("invoice__currency_code")
        .order_by("invoice__currency_code")
        .annotate(total=Sum("amount"))
        .values_list("invoice__currency_code", "total")
    )
    newest = [F("paid_on").desc(), F("pk").desc()]
    last = {
        currency: (paid_on, amount)
        for currency, paid_on, amount in payments.annotate(
            position=Window(RowNumber(), partition_by=[F("invoice__currency_code")], order_by=newest)
        )
        .filter(position=1)
        .values_list("invoice__currency_code", "paid_on", "amount")
    }
    return tuple(
        CurrencyRecord(
            currency=group["currency_code"],
            invoiced=group["invoiced"],
            paid=paid.get(group["currency_code"], Decimal("0.00")),
            paid_invoices=group["paid_invoices"],
            average_days_to_pay=_tenths(group["days_to_pay"]),
            average_days_after_due=_tenths(group["days_after_due"]),
            on_time_share=Decimal(group["on_time"]) / group["with_due"] if group["with_due"] else None,
            last_payment_on=last.get(group["currency_code"], (None, None))[0],
            last_payment_amount=last.get(group["currency_code"], (None, None))[1],
        )
        for group in groups
    )
