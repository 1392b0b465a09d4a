"""Money events: what happened to a customer's money, derived from what the Xero sync already stored (invoices,
payments, credit allocations, quotes, instalments), with no call to Xero.

`money_event_rows` is the one source of money events, for the contact and the opportunity timelines alike, so
the "can see money" rule has one place to hide amounts: without it, only "invoice issued" is listed, no amount.
Each event is one SQL branch of the timeline's UNION (`COLUMNS`), ordered and paged by the database together
with notes and tasks:

| kind                 | from                                   | dated                   | amount
| invoice_issued       | AUTHORISED/PAID sales invoices         | issued_on               | total
| credit_note_issued   | AUTHORISED/PAID sales credit notes     | issued_on               | total
| payment_received     | AUTHORISED payments on those invoices  | paid_on                 | the payment ("full" when it
|                      |                                        |                         | settled a PAID invoice)
| credit_applied       | allocations of those credit notes      | allocated_on            | the allocation
| invoice_overdue      | invoices unpaid after their due date   | the day after due_on    | what was still due then
|                      | (still open, or paid late)             |                         | (total - payments - credit
|                      |                                        |                         | dated up to the due date)
| quote_created        | quotes not deleted                     | issued_on               | total
| quote_<status>       | quotes now SENT/ACCEPTED/DECLINED/     | the day Xero last       | total
|                      | INVOICED                               | updated it (UTC)        |
| instalment_paid      | instalments whose invoice is PAID      | the invoice's paid date | the instalment
| instalment_overdue   | instalments whose invoice went overdue | the day after it was due| the instalment

"Overdue" is judged in each organisation's own local date, as everywhere else (`invoices.organisations`). Xero
keeps only a quote's current status, so a quote shows the status it has now, on the day it last changed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower, TruncDate

from invoices.models import CreditAllocation, Invoice, Organisation, Payment, Quote
from invoices.organisations import OrgDay, org_days, per_org
from opportunities.billing import opportunity_invoices
from opportunities.models import Instalment

COLUMNS = (
    "t_on",
    "t_at",
    "t_kind",
    "t_id",
    "t_amount",
    "t_currency",
    "t_doc",
    "t_xero_id",
    "t_short_code",
    "t_label",
    "t_detail",
)
_TYPES = {
    "t_on": DateField(),
    "t_at": DateTimeField(),
    "t_kind": CharField(),
    "t_id": BigIntegerField(),
    "t_amount": DecimalField(max_digits=18, decimal_places=2),
    "t_currency": CharField(),
    "t_doc": CharField(),
    "t_xero_id": CharField(),
    "t_short_code": CharField(),
    "t_label": CharField(),
    "t_detail": CharField(),
}
_SETTLED = [Invoice.Status.AUTHORISED, Invoice.Status.PAID]
QUOTE_STATUS_EVENTS = [Quote.Status.SENT, Quote.Status.ACCEPTED, Quote.Status.DECLINED, Quote.Status.INVOICED]


class DayAfter(Func):
    """The calendar day after a date column, as a date, on PostgreSQL (date + 1) and SQLite (the demo's)."""

    template = "(%(expressions)s + 1)"
    output_field = DateField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '+1 day')", **extra_context)


def timeline_columns(queryset: QuerySet, **columns: object) -> QuerySet:
    """`queryset` as one branch of the timeline's UNION: every column of COLUMNS, in order, typed; columns not
    given are NULL (or "" for text, which the UNION's other branches and the templates read alike)."""
    annotations = {}
    for name in COLUMNS:
        value = columns.get(name.removeprefix("t_"))
        if value is None and isinstance(_TYPES[name], CharField):
            value = Value("", output_field=_TYPES[name])
        elif value is None:  # a typed NULL: PostgreSQL types a UNION's columns pairwise, and untyped NULLs as text
            value = Cast(Value(None), output_field=_TYPES[name])
        elif isinstance(value, str | int) and not isinstance(value, bool):
            value = Value(value, output_field=_TYPES[name])
        annotations[name] = value
    return queryset.order_by().annotate(**annotations).values(*COLUMNS)


@dataclass(frozen=True)
class MoneyScope:
    """Whose money events: one contact's documents, or one opportunity's (its quotes, the invoices its
    instalments matched or whose reference names it, and its instalments)."""

    invoices: QuerySet[Invoice]
    quotes: QuerySet[Quote]
    instalments: QuerySet[Instalment]


def contact_money_scope(*, contact_id: int) -> MoneyScope:
    return MoneyScope(
        invoices=Invoice.objects.filter(contact_id=contact_id),
        quotes=Quote.objects.filter(contact_id=contact_id),
        instalments=Instalment.objects.filter(plan__opportunity__contact_id=contact_id),
    )


def opportunity_money_scope(*, opportunity_id: int, contact_id: int) -> MoneyScope:
    return MoneyScope(
        invoices=opportunity_invoices(opportunity_id=opportunity_id, contact_id=contact_id),
        quotes=Quote.objects.filter(opportunity_id=opportunity_id),
        instalments=Instalment.objects.filter(plan__opportunity_id=opportunity_id),
    )


def money_scope_organisations(scope: MoneyScope, *, now: datetime) -> dict[int, OrgDay]:
    """The organisations the scope's invoices and instalments belong to, each with its local date (one query)."""
    return org_days(
        Organisation.objects.filter(
            Q(pk__in=scope.invoices.values("organisation_id"))
            | Q(pk__in=scope.instalments.filter(invoice__isnull=False).values("invoice__organisation_id"))
        ),
        now=now,
    )


def _invoice_columns(prefix: str = "") -> dict[str, object]:
    return {
        "currency": F(f"{prefix}currency_code"),
        "xero_id": F(f"{prefix}xero_id"),
        "short_code": F(f"{prefix}organisation__short_code"),
        "label": F(f"{prefix}number"),
    }


def money_event_rows(*, scope: MoneyScope, orgs: dict[int, OrgDay], amounts: bool = True) -> list[QuerySet]:
    """The money events of `scope` as UNION branches (see the module's table); `orgs` gives each organisation's
    local date (`money_scope_organisations`). Builds queries only: nothing is read until the timeline runs them.

    `amounts=False` is for a user who may not see money (`accounts.selectors.user_sees_money`): then the only
    events are "invoice issued", with no amount (a NULL column, so nothing reaches the page to hide)."""
    sales = scope.invoices.filter(status__in=_SETTLED)
    invoices = sales.filter(type=Invoice.Type.ACCREC)
    credit_notes = sales.filter(type=Invoice.Type.ACCRECCREDIT)
    if not amounts:
        return [
            timeline_columns(
                invoices.filter(issued_on__isnull=False),
                on=F("issued_on"),
                kind="invoice_issued",
                id=F("pk"),
                doc="invoice",
                **_invoice_columns(),
            )
        ]

    issued = timeline_columns(
        sales.filter(type__in=[Invoice.Type.ACCREC, Invoice.Type.ACCRECCREDIT], issued_on__isnull=False),
        on=F("issued_on"),
        kind=Concat(F("kind"), Value("_issued"), output_field=CharField()),
        id=F("pk"),
        amount=F("total"),
        doc=F("kind"),
        **_invoice_columns(),
    )

    later_payment = Payment.objects.filter(invoice_id=OuterRef("invoice_id"), status=Payment.Status.AUTHORISED).filter(
        Q(paid_on__gt=OuterRef("paid_on")) | Q(paid_on=OuterRef("paid_on"), pk__gt=OuterRef("pk"))
    )
    payments = timeline_columns(
        Payment.objects.filter(status=Payment.Status.AUTHORISED, invoice__in=invoices),
        on=F("paid_on"),
        kind="payment_received",
        id=F("pk"),
        amount=F("amount"),
        doc="invoice",
        detail=Case(
            When(Q(invoice__status=Invoice.Status.PAID) & ~Exists(later_payment), then=Value("full")),
            default=Value("part"),
            output_field=CharField(),
        ),
        **_invoice_columns("invoice__"),
    )

    applied_to = Invoice.objects.filter(
        organisation_id=OuterRef("credit_note__organisation_id"), xero_id=OuterRef("invoice_xero_id")
    ).values("number")[:1]
    credits = timeline_columns(
        CreditAllocation.objects.filter(
            Q(credit_note__in=credit_notes)
            | Q(credit_note__status__in=_SETTLED, invoice_xero_id__in=invoices.values("xero_id"))
        ),
        on=F("allocated_on"),
        kind="credit_applied",
        id=F("pk"),
        amount=F("amount"),
        doc="credit_note",
        detail=Coalesce(Subquery(applied_to, output_field=CharField()), Value("")),
        **_invoice_columns("credit_note__"),
    )

    paid_by_due = (
        Payment.objects.filter(
            invoice_id=OuterRef("pk"), status=Payment.Status.AUTHORISED, paid_on__lte=OuterRef("due_on")
        )
        .order_by()
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    credited_by_due = (
        CreditAllocation.objects.filter(
            credit_note__organisation_id=OuterRef("organisation_id"),
            invoice_xero_id=OuterRef("xero_id"),
            allocated_on__lte=OuterRef("due_on"),
            credit_note__status__in=_SETTLED,
        )
        .order_by()
        .values("invoice_xero_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=18, decimal_places=2)
    went_overdue = invoices.filter(due_on__isnull=False).filter(
        (Q(status=Invoice.Status.AUTHORISED, amount_due__gt=0) & per_org(orgs, lambda today: Q(due_on__lt=today)))
        | Q(status=Invoice.Status.PAID, fully_paid_on__gt=F("due_on"))
    )
    overdue = timeline_columns(
        went_overdue,
        on=DayAfter(F("due_on")),
        kind="invoice_overdue",
        id=F("pk"),
        doc="invoice",
        amount=F("total")
        - Coalesce(Subquery(paid_by_due, output_field=money), Value(0, output_field=money))
        - Coalesce(Subquery(credited_by_due, output_field=money), Value(0, output_field=money)),
        **_invoice_columns(),
    )

    quotes = scope.quotes.exclude(status=Quote.Status.DELETED)
    quote_columns = {"id": F("pk"), "amount": F("total"), "doc": "quote", **_invoice_columns()}
    quote_created = timeline_columns(
        quotes,
        on=Coalesce(F("issued_on"), TruncDate("xero_updated_at")),
        kind="quote_created",
        **quote_columns,
    )
    quote_moved = timeline_columns(
        quotes.filter(status__in=QUOTE_STATUS_EVENTS),
        on=TruncDate("xero_updated_at"),
        kind=Concat(Value("quote_"), Lower("status"), output_field=CharField()),
        **quote_columns,
    )

    instalment_columns = {
        "id": F("pk"),
        "amount": F("amount"),
        "currency": F("currency_code"),
        "doc": "invoice",
        "xero_id": F("invoice__xero_id"),
        "short_code": F("invoice__organisation__short_code"),
        "label": F("invoice__number"),
        "detail": Concat(
            Value("Instalment "),
            Cast("position", CharField()),
            Value(" of "),
            F("plan__opportunity__name"),
            output_field=CharField(),
        ),
    }
    matched = scope.instalments.filter(invoice__isnull=False).annotate(
        effective_due_on=Coalesce(F("invoice__due_on"), F("due_on"))
    )
    instalment_paid = timeline_columns(
        matched.filter(invoice__status=Invoice.Status.PAID, invoice__fully_paid_on__isnull=False),
        on=F("invoice__fully_paid_on"),
        kind="instalment_paid",
        **instalment_columns,
    )
    instalment_overdue = timeline_columns(
        matched.filter(
            (
                Q(invoice__status=Invoice.Status.AUTHORISED, invoice__amount_due__gt=0)
                & per_org(orgs, lambda today: Q(effective_due_on__lt=today), field="invoice__organisation_id")
            )
            | Q(invoice__status=Invoice.Status.PAID, invoice__fully_paid_on__gt=F("effective_due_on"))
        ),
        on=DayAfter(F("effective_due_on")),
        kind="instalment_overdue",
        **instalment_columns,
    )
    return [issued, payments, credits, overdue, quote_created, quote_moved, instalment_paid, instalment_overdue]
