from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from django.db.models import Count, F, Prefetch, QuerySet
from django.template.defaultfilters import pluralize

from accounts.models import User
from accounts.selectors import teams_visible_to, user_sees_money
from contacts.selectors import contacts_visible_to
from invoices.models import Invoice
from invoices.organisations import organisation_todays
from invoices.overdue import Tone, invoice_state, org_today, outstanding_filter, overdue_filter
from invoices.quotes import QuoteRow, quote_rows_of_opportunity
from opportunities.models import Instalment, Milestone, Opportunity


def opportunities_visible_to(*, user: User) -> QuerySet[Opportunity]:
    """Every opportunity the user may see: all for admins, otherwise those of the user's teams."""
    opportunities = Opportunity.objects.all()
    if user.is_admin:
        return opportunities
    return opportunities.filter(team__in=teams_visible_to(user=user))


@dataclass(frozen=True)
class PipelineColumn:
    milestone: Milestone
    opportunities: list[Opportunity]


def pipeline(*, user: User, today: date) -> list[PipelineColumn]:
    """The open opportunities the user may see, grouped by milestone in pipeline order.

    Each carries `overdue_invoices`: how many authorised sales invoices its contact has with money due before
    `today` (for the card's overdue badge).
    """
    open_opportunities = (
        opportunities_visible_to(user=user)
        .filter(outcome=Opportunity.Outcome.OPEN)
        .select_related("contact", "owner")
        .annotate(
            overdue_invoices=Count(
                "contact__invoices", filter=overdue_filter(today=today, prefix="contact__invoices__")
            )
        )
        .order_by("expected_close_date", "id")
    )
    milestones = Milestone.objects.prefetch_related(
        Prefetch("opportunities", queryset=open_opportunities, to_attr="visible_open_opportunities")
    )
    return [PipelineColumn(milestone=m, opportunities=m.visible_open_opportunities) for m in milestones]


def opportunity_detail(*, user: User, opportunity_id: int) -> Opportunity:
    """One visible opportunity. Raises Opportunity.DoesNotExist when not visible."""
    return (
        opportunities_visible_to(user=user)
        .select_related("contact", "owner", "milestone", "team")
        .get(pk=opportunity_id)
    )


def opportunities_of_contact(*, user: User, contact_id: int) -> QuerySet[Opportunity]:
    """The visible opportunities of one contact, open ones first."""
    return (
        opportunities_visible_to(user=user)
        .filter(contact_id=contact_id)
        .select_related("milestone", "owner")
        .order_by(F("closed_on").asc(nulls_first=True), "expected_close_date", "id")
    )


# Instalment plans ---------------------------------------------------------------------------------------------

# Invoice statuses that do not bill the customer: an instalment matched to such an invoice is not invoiced yet.
NOT_BILLING = [Invoice.Status.DRAFT, Invoice.Status.SUBMITTED, Invoice.Status.VOIDED, Invoice.Status.DELETED]


class Progress(StrEnum):
    NOT_INVOICED = "not_invoiced"
    INVOICED = "invoiced"
    PART_PAID = "part_paid"
    PAID = "paid"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class InstalmentStatus:
    """Where one instalment stands; `due_on` is when its money is due (the invoice's due date once invoiced)."""

    progress: Progress
    label: str
    tone: Tone
    days_overdue: int
    due_on: date


def instalment_status(
    *,
    due_on: date,
    today: date,
    invoice_status: str | None = None,
    invoice_due_on: date | None = None,
    amount_due: Decimal = Decimal(0),
    amount_paid: Decimal = Decimal(0),
    amount_credited: Decimal = Decimal(0),
) -> InstalmentStatus:
    """An instalment's status from its matched invoice's Xero figures (none: not invoiced) as of `today`, the
    organisation's local date. Xero's AmountDue already nets payments and allocated credit notes; what was paid or
    credited makes an unpaid invoice part-paid. Overdue is invoices.overdue's rule, applied to the invoice."""
    if invoice_status is None or invoice_status in NOT_BILLING:
        label = "Not invoiced" if invoice_status is None else f"Not invoiced · invoice {invoice_status.lower()}"
        return InstalmentStatus(Progress.NOT_INVOICED, label, Tone.MUTED, 0, due_on)
    state = invoice_state(
        kind="invoice",
        type="ACCREC",
        status=invoice_status,
        due_on=invoice_due_on,
        amount_due=amount_due,
        amount_paid=amount_paid + amount_credited,
        today=today,
    )
    effective_due_on = invoice_due_on or due_on
    if state.tone == Tone.SETTLED:
        progress = Progress.PAID
    elif state.is_overdue:
        progress = Progress.OVERDUE
    else:
        progress = Progress.PART_PAID if amount_paid + amount_credited > 0 else Progress.INVOICED
    return InstalmentStatus(progress, state.label, state.tone, state.days_overdue, effective_due_on)


def _short_date(day: date, *, today: date) -> str:
    return f"{day.day} {day:%b}" if day.year == today.year else f"{day.day} {day:%b %Y}"


def plan_progress(statuses: Sequence[InstalmentStatus], *, today: date) -> str:
    """One line such as "3 of 6 paid, 1 overdue by 12 days, next due 1 Feb" (the year shows when not this year's)."""
    parts = [f"{sum(s.progress == Progress.PAID for s in statuses)} of {len(statuses)} paid"]
    overdue = [s.days_overdue for s in statuses if s.progress == Progress.OVERDUE]
    if len(overdue) == 1:
        parts.append(f"1 overdue by {overdue[0]} day{pluralize(overdue[0])}")
    elif overdue:
        parts.append(f"{len(overdue)} overdue, the oldest by {max(overdue)} day{pluralize(max(overdue))}")
    waiting = [s.due_on for s in statuses if s.progress not in (Progress.PAID, Progress.OVERDUE)]
    if waiting:
        upcoming = min(waiting)
        verb = "next due" if upcoming >= today else "next was due"
        parts.append(f"{verb} {_short_date(upcoming, today=today)}")
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class InstalmentRow:
    """An instalment (its `invoice` loaded), its status and, while unmatched, the invoices the picker offers."""

    instalment: Instalment
    status: InstalmentStatus
    choices: tuple[Invoice, ...]


@dataclass(frozen=True, slots=True)
class PlanSummary:
    opportunity: Opportunity
    rows: tuple[InstalmentRow, ...]
    progress: str
    today: date

    @property
    def overdue_rows(self) -> list[InstalmentRow]:
        return [row for row in self.rows if row.status.progress == Progress.OVERDUE]


def instalment_invoice_choices(*, instalment: Instalment) -> QuerySet[Invoice]:
    """The invoices that may bill `instalment` by hand: its contact's sales invoices in its currency that bill no
    other instalment, excluding voided and deleted ones, newest first."""
    return _matchable_invoices().filter(
        contact_id=instalment.plan.opportunity.contact_id, currency_code=instalment.currency_code
    )


def _matchable_invoices() -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(type=Invoice.Type.ACCREC, instalment__isnull=True)
        .exclude(status__in=[Invoice.Status.VOIDED, Invoice.Status.DELETED])
        .order_by(F("issued_on").desc(nulls_last=True), "-pk")
    )


def _plan_summaries(opportunities: QuerySet[Opportunity], *, now: datetime, with_choices: bool) -> list[PlanSummary]:
    """Plans of `opportunities` with each instalment judged by its organisation's local date (unmatched ones by the
    date of an organisation the contact has invoices in, else UTC's). Six queries whatever the number of rows."""
    found = list(
        opportunities.filter(instalment_plan__isnull=False)
        .select_related("contact", "owner")
        .prefetch_related(
            Prefetch("instalment_plan__instalments", queryset=Instalment.objects.select_related("invoice"))
        )
    )
    if not found:
        return []
    contact_ids = {opportunity.contact_id for opportunity in found}
    invoices = list(_matchable_invoices().filter(contact_id__in=contact_ids)) if with_choices else []
    home = dict(
        Invoice.objects.filter(contact_id__in=contact_ids)
        .order_by("contact_id", "organisation_id")
        .values_list("contact_id", "organisation_id")
        .distinct()
    )
    organisation_ids = set(home.values()) | {
        instalment.invoice.organisation_id
        for opportunity in found
        for instalment in opportunity.instalment_plan.instalments.all()
        if instalment.invoice
    }
    todays = organisation_todays(organisation_ids=organisation_ids, now=now)
    utc_today = org_today(now=now, timezone_name="")
    summaries = []
    for opportunity in found:
        plan_today = todays.get(home.get(opportunity.contact_id), utc_today)
        rows = []
        for instalment in opportunity.instalment_plan.instalments.all():
            invoice = instalment.invoice
            today = todays.get(invoice.organisation_id, plan_today) if invoice else plan_today
            status = instalment_status(
                due_on=instalment.due_on,
                today=today,
                **(
                    {
                        "invoice_status": invoice.status,
                        "invoice_due_on": invoice.due_on,
                        "amount_due": invoice.amount_due,
                        "amount_paid": invoice.amount_paid,
                        "amount_credited": invoice.amount_credited,
                    }
                    if invoice
                    else {}
                ),
            )
            choices = (
                tuple(
                    choice
                    for choice in invoices
                    if choice.contact_id == opportunity.contact_id and choice.currency_code == instalment.currency_code
                )
                if invoice is None
                else ()
            )
            rows.append(InstalmentRow(instalment=instalment, status=status, choices=choices))
        summaries.append(
            PlanSummary(
                opportunity=opportunity,
                rows=tuple(rows),
                progress=plan_progress([row.status for row in rows], today=plan_today),
                today=plan_today,
            )
        )
    return summaries


def instalment_plan_detail(*, user: User, opportunity_id: int, now: datetime) -> PlanSummary | None:
    """The visible opportunity's plan with statuses and hand-match choices as of `now`; None when it has no plan.

    Raises Opportunity.DoesNotExist when the opportunity is not visible.
    """
    opportunity = opportunities_visible_to(user=user).only("pk").get(pk=opportunity_id)
    found = _plan_summaries(Opportunity.objects.filter(pk=opportunity.pk), now=now, with_choices=True)
    return found[0] if found else None


def instalment_plans_of_contact(*, user: User, contact_id: int, now: datetime) -> list[PlanSummary]:
    """The plans of the contact's visible won opportunities, for the contact page's progress lines; none for a
    user who may not see money (what is paid and overdue is the accounts').

    Raises Contact.DoesNotExist when the contact does not exist or the user may not see it.
    """
    contact = contacts_visible_to(user=user).only("pk").get(pk=contact_id)
    if not user_sees_money(user=user):
        return []
    return _plan_summaries(
        opportunities_visible_to(user=user)
        .filter(contact_id=contact.pk, outcome=Opportunity.Outcome.WON)
        .order_by("-closed_on", "pk"),
        now=now,
        with_choices=False,
    )


@dataclass(frozen=True, slots=True)
class OverduePlan:
    """A won sale with overdue instalments, for the dashboard."""

    opportunity: Opportunity
    overdue_count: int
    oldest_days_overdue: int
    progress: str


def plans_with_overdue_instalments(*, user: User, now: datetime) -> list[OverduePlan]:
    """Visible won opportunities whose plan has an overdue instalment (judged in each organisation's local date),
    longest overdue first."""
    # A coarse first cut in SQL: no organisation's local date is later than UTC's + 1 day, so nothing due after
    # UTC's today can be overdue yet. The exact rule, per organisation, is applied to the plans found.
    overdue_somewhere = Instalment.objects.filter(
        outstanding_filter(prefix="invoice__"), invoice__due_on__lte=org_today(now=now, timezone_name="")
    )
    summaries = _plan_summaries(
        opportunities_visible_to(user=user).filter(
            outcome=Opportunity.Outcome.WON, instalment_plan__in=overdue_somewhere.values("plan_id")
        ),
        now=now,
        with_choices=False,
    )
    plans = [
        OverduePlan(
            opportunity=summary.opportunity,
            overdue_count=len(summary.overdue_rows),
            oldest_days_overdue=max(row.status.days_overdue for row in summary.overdue_rows),
            progress=summary.progress,
        )
        for summary in summaries
        if summary.overdue_rows
    ]
    return sorted(plans, key=lambda plan: (-plan.oldest_days_overdue, plan.opportunity.name, plan.opportunity.pk))


def opportunity_quotes(*, user: User, opportunity_id: int) -> list[QuoteRow]:
    """The Xero quotes of one visible opportunity, newest first (deleted ones left out). Two queries.

    Raises Opportunity.DoesNotExist when the user may not see the opportunity.
    """
    opportunity = opportunities_visible_to(user=user).only("pk").get(pk=opportunity_id)
    return quote_rows_of_opportunity(opportunity_id=opportunity.pk)
