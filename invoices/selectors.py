"""Reads of the invoice mirror for the contact page's Xero panel (the dashboard's are in receivables.py).

Contacts are reached only through `contacts_visible_to`, so team visibility applies here too. Totals are per
currency (`Totals`), summed in SQL; "today" is each organisation's own local date. Only sales count towards a
customer's figures: AUTHORISED ACCREC invoices for what is owed, AUTHORISED ACCRECCREDIT credit notes for credit.
Draft, submitted, voided and deleted documents never count.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Aggregate,
    Count,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber

from accounts.models import User
from accounts.selectors import user_sees_money
from contacts.selectors import contacts_visible_to
from invoices.models import Invoice, Organisation, Payment
from invoices.money import Totals
from invoices.organisations import (
    CENTS,
    OUTSTANDING,
    OrgDay,
    in_base,
    org_days,
    overdue_condition,
    per_org,
)
from invoices.overdue import InvoiceState, days_overdue, invoice_state
from invoices.payment_record import CurrencyRecord, payment_record
from invoices.quotes import QuoteRow, quote_rows_by_organisation, quotes_of_contact_organisation_ids

logger = logging.getLogger(__name__)

RECENT_INVOICES = 20
_SALES = [Invoice.Type.ACCREC, Invoice.Type.ACCRECCREDIT]
_HIDDEN_STATUSES = [Invoice.Status.DRAFT, Invoice.Status.VOIDED, Invoice.Status.DELETED]
_CREDIT_AVAILABLE = Q(type=Invoice.Type.ACCRECCREDIT, status=Invoice.Status.AUTHORISED, remaining_credit__gt=0)


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One invoice or credit note as listed in the panel, with its status chip."""

    id: int
    xero_id: str
    kind: str
    type: str
    status: str
    number: str
    reference: str
    issued_on: date | None
    due_on: date | None
    currency_code: str
    total: Decimal
    amount_due: Decimal
    amount_paid: Decimal
    remaining_credit: Decimal
    state: InvoiceState


@dataclass(frozen=True, slots=True)
class OrganisationInvoiceSummary:
    """A customer's position in one Xero organisation, as of that organisation's local date `today`.

    Per-currency figures are exact sums of Xero's amounts, never mixed across currencies. The `*_in_base` figures
    convert each document with its own CurrencyRate (amount / rate) and are rounded to 2 places once, at the end;
    they are None when the base currency is unknown or a foreign-currency document has no rate.
    `paid_last_12_months` sums payments dated after the same day a year before `today`, up to `today`.
    """

    organisation_id: int
    name: str
    short_code: str
    base_currency: str
    today: date
    outstanding: Totals
    overdue: Totals
    credit_available: Totals
    paid_last_12_months: Totals
    oldest_days_overdue: int
    next_due_on: date | None
    outstanding_in_base: Decimal | None
    overdue_in_base: Decimal | None
    credit_available_in_base: Decimal | None
    invoices: tuple[InvoiceRow, ...]
    quotes: tuple[QuoteRow, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} ({self.base_currency})" if self.base_currency else self.name


@dataclass(frozen=True, slots=True)
class ContactInvoiceSummary:
    """The Xero panel of one contact: a summary per organisation holding its listed documents, ordered by name."""

    contact_id: int
    include_hidden: bool
    organisations: tuple[OrganisationInvoiceSummary, ...]
    # What the money says about the customer, per currency across organisations (`invoices.payment_record`).
    payment_record: tuple[CurrencyRecord, ...] = ()
    # False for a user who may not see money: then `organisations` and `payment_record` are empty and
    # `linked_organisations` names the organisations holding the contact's documents ("Xero: linked").
    money_shown: bool = True
    linked_organisations: tuple[str, ...] = ()

    @property
    def has_invoices(self) -> bool:
        return any(organisation.invoices for organisation in self.organisations)


@dataclass
class _BaseTotal:
    """A base-currency total being summed; `known` turns False for good once a part can't be converted."""

    amount: Decimal = Decimal(0)
    known: bool = True

    def add(self, *, org: OrgDay, currency: str, raw: Decimal | None, converted: Decimal | None, missing: int) -> None:
        if not org.base_currency or (currency != org.base_currency and missing):
            self.known = False
        elif currency == org.base_currency:
            self.amount += raw or 0
        else:
            self.amount += converted or 0

    def result(self) -> Decimal | None:
        return self.amount.quantize(CENTS, rounding=ROUND_HALF_UP) if self.known else None


@dataclass
class _Figures:
    outstanding: Totals = field(default_factory=dict)
    overdue: Totals = field(default_factory=dict)
    credit_available: Totals = field(default_factory=dict)
    paid_last_12_months: Totals = field(default_factory=dict)
    in_base: dict[str, _BaseTotal] = field(default_factory=dict)
    oldest_due_on: date | None = None
    next_due_on: date | None = None


def _one_year_before(today: date) -> date:
    if (today.month, today.day) == (2, 29):
        return date(today.year - 1, 2, 28)
    return today.replace(year=today.year - 1)


def _figures(*, contact_id: int, orgs: dict[int, OrgDay]) -> dict[int, _Figures]:
    """Per-organisation totals of the contact's sales: two aggregate queries whatever the number of documents."""
    figures = {org_id: _Figures() for org_id in orgs}
    measures = {
        "outstanding": ("amount_due", OUTSTANDING),
        "overdue": ("amount_due", overdue_condition(orgs)),
        "credit_available": ("remaining_credit", _CREDIT_AVAILABLE),
    }
    annotations: dict[str, Aggregate] = {}
    for name, (amount_field, condition) in measures.items():
        annotations[name] = Sum(amount_field, filter=condition)
        annotations[f"{name}_in_base"] = in_base(amount_field, condition)
        annotations[f"{name}_missing_rates"] = Count("pk", filter=condition & Q(currency_rate__isnull=True))
    groups = (
        Invoice.objects.filter(
            contact_id=contact_id, organisation_id__in=orgs, type__in=_SALES, status=Invoice.Status.AUTHORISED
        )
        .values("organisation_id", "currency_code")
        .order_by("organisation_id", "currency_code")
        .annotate(
            **annotations,
            oldest_due_on=Min("due_on", filter=overdue_condition(orgs)),
            next_due_on=Min("due_on", filter=OUTSTANDING & per_org(orgs, lambda today: Q(due_on__gte=today))),
        )
    )
    for group in groups:
        org, currency, found = orgs[group["organisation_id"]], group["currency_code"], figures[group["organisation_id"]]
        for name in measures:
            if group[name] is not None:
                getattr(found, name)[currency] = group[name]
            found.in_base.setdefault(name, _BaseTotal()).add(
                org=org,
                currency=currency,
                raw=group[name],
                converted=group[f"{name}_in_base"],
                missing=group[f"{name}_missing_rates"],
            )
        found.oldest_due_on = min(filter(None, [found.oldest_due_on, group["oldest_due_on"]]), default=None)
        found.next_due_on = min(filter(None, [found.next_due_on, group["next_due_on"]]), default=None)

    paid = (
        Payment.objects.filter(
            invoice__contact_id=contact_id,
            invoice__organisation_id__in=orgs,
            invoice__type=Invoice.Type.ACCREC,
            invoice__status__in=[Invoice.Status.AUTHORISED, Invoice.Status.PAID],
            status=Payment.Status.AUTHORISED,
        )
        .filter(
            per_org(
                orgs,
                lambda today: Q(paid_on__gt=_one_year_before(today), paid_on__lte=today),
                field="invoice__organisation_id",
            )
        )
        .values("invoice__organisation_id", "invoice__currency_code")
        .order_by("invoice__organisation_id", "invoice__currency_code")
        .annotate(amount=Sum("amount"))
    )
    for group in paid:
        paid_in = figures[group["invoice__organisation_id"]].paid_last_12_months
        paid_in[group["invoice__currency_code"]] = group["amount"]
    return figures


def _recent_rows(documents: QuerySet[Invoice], orgs: dict[int, OrgDay]) -> dict[int, list[InvoiceRow]]:
    """The newest RECENT_INVOICES documents of each organisation, with their chips (one query)."""
    newest_first = [F("issued_on").desc(nulls_last=True), F("xero_updated_at").desc(), F("pk").desc()]
    recent = (
        documents.annotate(position=Window(RowNumber(), partition_by=[F("organisation_id")], order_by=newest_first))
        .filter(position__lte=RECENT_INVOICES)
        .order_by("organisation_id", "position")
    )
    rows: dict[int, list[InvoiceRow]] = {org_id: [] for org_id in orgs}
    for invoice in recent:
        state = invoice_state(
            kind=invoice.kind,
            type=invoice.type,
            status=invoice.status,
            due_on=invoice.due_on,
            amount_due=invoice.amount_due,
            amount_paid=invoice.amount_paid,
            today=orgs[invoice.organisation_id].today,
        )
        rows[invoice.organisation_id].append(
            InvoiceRow(
                id=invoice.pk,
                xero_id=invoice.xero_id,
                kind=invoice.kind,
                type=invoice.type,
                status=invoice.status,
                number=invoice.number,
                reference=invoice.reference,
                issued_on=invoice.issued_on,
                due_on=invoice.due_on,
                currency_code=invoice.currency_code,
                total=invoice.total,
                amount_due=invoice.amount_due,
                amount_paid=invoice.amount_paid,
                remaining_credit=invoice.remaining_credit,
                state=state,
            )
        )
    return rows


def invoice_summary(
    *, user: User, contact_id: int, now: datetime, include_hidden: bool = False
) -> ContactInvoiceSummary:
    """The contact's Xero position per organisation, as of `now` in each organisation's timezone.

    Lists sales documents except drafts, voided and deleted ones; `include_hidden=True` lists every document,
    bills included (they still never count in the totals), and the contact's quotes (deleted ones left out); an
    organisation with only quotes is listed too; `payment_record` sums up how the contact pays. Nine queries whatever
    the number of documents. For a user who may not see money (`accounts.selectors.user_sees_money`) it holds no
    amount: only the names of the organisations the contact has documents in (three queries).
    Raises Contact.DoesNotExist when the contact does not exist or the user may not see it.
    """
    contact = contacts_visible_to(user=user).only("pk").get(pk=contact_id)
    documents = Invoice.objects.filter(contact_id=contact.pk)
    if not include_hidden:
        documents = documents.filter(type__in=_SALES).exclude(status__in=_HIDDEN_STATUSES)
    orgs = org_days(
        Organisation.objects.filter(
            Q(pk__in=documents.values("organisation_id"))
            | Q(pk__in=quotes_of_contact_organisation_ids(contact_id=contact.pk))
        ),
        now=now,
    )
    if not orgs:
        return ContactInvoiceSummary(
            contact_id=contact.pk,
            include_hidden=include_hidden,
            organisations=(),
            money_shown=user_sees_money(user=user),
        )
    if not user_sees_money(user=user):
        return ContactInvoiceSummary(
            contact_id=contact.pk,
            include_hidden=include_hidden,
            organisations=(),
            money_shown=False,
            linked_organisations=tuple(org.name for org in orgs.values()),
        )
    figures = _figures(contact_id=contact.pk, orgs=orgs)
    rows = _recent_rows(documents.filter(organisation_id__in=orgs), orgs)
    quotes = quote_rows_by_organisation(contact_id=contact.pk, organisation_ids=list(orgs))
    summaries = []
    for org in orgs.values():
        found = figures[org.id]
        base_totals = {
            name: found.in_base.get(name, _BaseTotal()).result() if org.base_currency else None
            for name in ("outstanding", "overdue", "credit_available")
        }
        summaries.append(
            OrganisationInvoiceSummary(
                organisation_id=org.id,
                name=org.name,
                short_code=org.short_code,
                base_currency=org.base_currency,
                today=org.today,
                outstanding=found.outstanding,
                overdue=found.overdue,
                credit_available=found.credit_available,
                paid_last_12_months=found.paid_last_12_months,
                oldest_days_overdue=(
                    days_overdue(due_date=found.oldest_due_on, amount_due=Decimal(1), today=org.today)
                    if found.oldest_due_on
                    else 0
                ),
                next_due_on=found.next_due_on,
                outstanding_in_base=base_totals["outstanding"],
                overdue_in_base=base_totals["overdue"],
                credit_available_in_base=base_totals["credit_available"],
                invoices=tuple(rows[org.id]),
                quotes=quotes[org.id],
            )
        )
    return ContactInvoiceSummary(
        contact_id=contact.pk,
        include_hidden=include_hidden,
        organisations=tuple(summaries),
        payment_record=payment_record(contact_id=contact.pk),
    )


def xero_contact_ids_with_unattached_invoices(*, organisation_id: int) -> set[str]:
    """The Xero contacts of an organisation that have invoices not yet attached to a CRM contact."""
    return set(
        Invoice.objects.filter(organisation_id=organisation_id, contact__isnull=True)
        .values_list("xero_contact_id", flat=True)
        .distinct()
    )
