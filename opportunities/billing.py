"""What an opportunity's invoices say about it: which sales invoices are its own, and how much of its value has
been invoiced, paid, is due and is overdue, per currency, summed in SQL.

An invoice is the opportunity's when it is its contact's and either its reference names the opportunity
(`OPP-<id>`, or `OPP-<id>-<n>` for an instalment: docs/xero.md, "Instalment references") or it bills one of the
opportunity's instalments (matched by reference or by hand). `opportunity_invoices_filter` is that one rule; the
history's money events, the opportunity page and the dashboard's "won, not yet invoiced" all read it.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import CharField, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat

from accounts.models import User
from accounts.selectors import user_sees_money
from invoices.models import Invoice, Organisation
from invoices.organisations import OUTSTANDING, org_days, overdue_condition
from invoices.quotes import REFERENCE_PREFIX
from opportunities.models import Opportunity
from opportunities.selectors import opportunities_visible_to

# Sales invoices that bill the customer (Xero's AUTHORISED and PAID); drafts and submitted ones are on their way.
BILLED = [Invoice.Status.AUTHORISED, Invoice.Status.PAID]
DRAFTED = [Invoice.Status.DRAFT, Invoice.Status.SUBMITTED]
_MONEY = DecimalField(max_digits=18, decimal_places=2)
_ZERO = Value(Decimal("0.00"), output_field=_MONEY)


def _reference_names(opportunity_id: int | F) -> Q:
    """Invoices whose reference is `OPP-<id>` or `OPP-<id>-<n>` (the opportunity id may be an expression)."""
    opportunity = Value(opportunity_id) if isinstance(opportunity_id, int) else opportunity_id
    reference = Concat(Value(REFERENCE_PREFIX), Cast(opportunity, CharField()), output_field=CharField())
    # The constant prefix first: it is the condition of the invoices' partial index of such references.
    return Q(reference__startswith=REFERENCE_PREFIX) & (
        Q(reference=reference) | Q(reference__startswith=Concat(reference, Value("-"), output_field=CharField()))
    )


def opportunity_invoices_filter(*, opportunity_id: int | F, contact_id: int | F) -> Q:
    """Invoices (and credit notes) of the opportunity, as a filter on Invoice. Both arguments may be expressions
    (`OuterRef("pk")`), for a subquery per opportunity."""
    return Q(contact_id=contact_id) & (
        _reference_names(opportunity_id) | Q(instalment__plan__opportunity_id=opportunity_id)
    )


def opportunity_invoices(*, opportunity_id: int, contact_id: int) -> QuerySet[Invoice]:
    """The opportunity's invoices and credit notes, of every status (see the module's rule)."""
    return Invoice.objects.filter(opportunity_invoices_filter(opportunity_id=opportunity_id, contact_id=contact_id))


@dataclass(frozen=True, slots=True)
class BillingRow:
    """The opportunity's sales invoices in one currency. `value` is the opportunity's own value when this is its
    currency (None for invoices in another currency, which can't be set against it)."""

    currency: str
    value: Decimal | None
    invoiced: Decimal  # totals of authorised and paid invoices
    drafted: Decimal  # totals of draft and submitted invoices, not yet sent to the customer
    paid: Decimal
    credited: Decimal  # credit notes allocated to them
    due: Decimal  # still to be paid, overdue included
    overdue: Decimal  # still to be paid after the due date (each organisation's own today)

    @property
    def to_invoice(self) -> Decimal | None:
        """What of the value no invoice (draft or not) covers yet; never below zero."""
        if self.value is None:
            return None
        return max(self.value - self.invoiced - self.drafted, Decimal("0.00"))


def opportunity_billing(*, user: User, opportunity: Opportunity, now: datetime) -> list[BillingRow] | None:
    """Per currency (the opportunity's own first), what its sales invoices say as of `now`: invoiced, in draft,
    paid, credited, due and overdue, summed in SQL in two queries. None for a user who may not see money (nothing
    is read). `opportunity` must be one the user may see (`selectors.opportunity_detail`)."""
    if not user_sees_money(user=user):
        return None
    sales = opportunity_invoices(opportunity_id=opportunity.pk, contact_id=opportunity.contact_id).filter(
        type=Invoice.Type.ACCREC, status__in=BILLED + DRAFTED
    )
    orgs = org_days(Organisation.objects.filter(pk__in=sales.values("organisation_id")), now=now)
    billed = Q(status__in=BILLED)
    sums = (
        sales.values("currency_code")
        .order_by("currency_code")
        .annotate(
            invoiced=Coalesce(Sum("total", filter=billed), _ZERO),
            drafted=Coalesce(Sum("total", filter=Q(status__in=DRAFTED)), _ZERO),
            paid=Coalesce(Sum("amount_paid", filter=billed), _ZERO),
            credited=Coalesce(Sum("amount_credited", filter=billed), _ZERO),
            due=Coalesce(Sum("amount_due", filter=OUTSTANDING), _ZERO),
            overdue=Coalesce(Sum("amount_due", filter=overdue_condition(orgs)), _ZERO),
        )
    )
    found = {row.pop("currency_code"): row for row in sums}
    rows = [
        BillingRow(currency=currency, value=opportunity.value if currency == opportunity.currency_code else None, **row)
        for currency, row in found.items()
    ]
    if opportunity.currency_code not in found and opportunity.outcome == Opportunity.Outcome.WON:
        rows.append(BillingRow(opportunity.currency_code, opportunity.value, *[Decimal("0.00")] * 6))
    return sorted(rows, key=lambda row: (row.currency != opportunity.currency_code, row.currency))


def won_not_invoiced(*, user: User, limit: int) -> list[Opportunity]:
    """The visible won opportunities whose value is not yet covered by their invoices in its currency (authorised,
    paid, draft or submitted: a draft is on its way), the longest won first; the first `limit`. Each carries
    `invoiced` (what is covered) and `to_invoice`.

    One query. The module's rule is summed per won opportunity in two disjoint parts, each read by index: the
    contact's invoices whose reference names it (the invoices' partial index of `OPP-` references), and the
    invoices billing its instalments whose reference does not (from its plan). As one OR, PostgreSQL read every
    invoice of the contact for each won opportunity.
    """
    sales = Invoice.objects.filter(
        type=Invoice.Type.ACCREC, status__in=BILLED + DRAFTED, currency_code=OuterRef("currency_code")
    )
    named = sales.filter(_reference_names(OuterRef("pk")), contact_id=OuterRef("contact_id"))
    billing_instalments = sales.filter(
        instalment__plan__opportunity_id=OuterRef("pk"), contact_id=OuterRef("contact_id")
    ).exclude(_reference_names(OuterRef("pk")))

    def total(invoices: QuerySet[Invoice]) -> Coalesce:
        summed = invoices.order_by().values("type").annotate(covered=Sum("total")).values("covered")
        return Coalesce(Subquery(summed, output_field=_MONEY), _ZERO)

    return list(
        opportunities_visible_to(user=user)
        .filter(outcome=Opportunity.Outcome.WON, value__gt=0)
        .annotate(invoiced=total(named) + total(billing_instalments))
        .annotate(to_invoice=F("value") - F("invoiced"))
        .filter(to_invoice__gt=0)
        .select_related("contact", "owner")
        .order_by("closed_on", "pk")[:limit]
    )
