"""Writes to opportunities and their instalment plans."""

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from accounts.models import User
from contacts.selectors import contacts_visible_to
from invoices.models import Invoice
from invoices.money import money_format
from opportunities.models import Instalment, InstalmentPlan, Milestone, Opportunity
from opportunities.selectors import instalment_invoice_choices, opportunities_visible_to

_PENNY = Decimal("0.01")


class OpportunityClosed(Exception):
    """A won or lost opportunity no longer moves through the pipeline."""


@transaction.atomic
def opportunity_move(*, opportunity_id: int, milestone_id: int, user: User) -> Opportunity:
    """Move one of the user's teams' open opportunities to another milestone, taking its probability.

    Raises Opportunity.DoesNotExist (not visible), Milestone.DoesNotExist, or OpportunityClosed.
    """
    opportunity = opportunities_visible_to(user=user).select_for_update().get(pk=opportunity_id)
    if not opportunity.is_open:
        raise OpportunityClosed(f"{opportunity.name} is {opportunity.get_outcome_display().lower()}; it stays put.")
    milestone = Milestone.objects.get(pk=milestone_id)
    opportunity.milestone = milestone
    opportunity.probability = milestone.probability
    opportunity.save(update_fields=["milestone", "probability", "updated_at"])
    return opportunity


class OpportunityInvalid(ValueError):
    """The opportunity can't be saved, closed or reopened as asked; the message says why, for the user."""


def _check_details(*, name: str, value: Decimal, currency_code: str) -> None:
    if not name.strip():
        raise OpportunityInvalid("Give the opportunity a name.")
    if value < 0:
        raise OpportunityInvalid("The value can't be negative.")
    if not re.fullmatch(r"[A-Za-z]{3}", currency_code):
        raise OpportunityInvalid("Give a three-letter currency code, such as GBP.")


def _check_owner(*, owner_id: int | None, team_id: int) -> None:
    if owner_id is not None and not User.objects.filter(pk=owner_id, teams=team_id).exists():
        raise OpportunityInvalid("The owner must be a member of the contact's team.")


@transaction.atomic
def opportunity_create(
    *,
    user: User,
    contact_id: int,
    name: str,
    value: Decimal,
    currency_code: str,
    milestone_id: int,
    expected_close_date: date | None = None,
    owner_id: int | None = None,
    description: str = "",
) -> Opportunity:
    """Open an opportunity with a contact the user may see, in the contact's team, weighted by its milestone's
    probability. Raises Contact.DoesNotExist (not visible), Milestone.DoesNotExist, or OpportunityInvalid (an
    archived contact, a blank name, or an owner outside the contact's team)."""
    contact = contacts_visible_to(user=user).get(pk=contact_id)
    if contact.is_archived:
        raise OpportunityInvalid(f"{contact.name} is archived: unarchive it to open an opportunity.")
    _check_details(name=name, value=value, currency_code=currency_code)
    _check_owner(owner_id=owner_id, team_id=contact.team_id)
    milestone = Milestone.objects.get(pk=milestone_id)
    return Opportunity.objects.create(
        contact=contact,
        team_id=contact.team_id,
        name=name.strip(),
        value=value,
        currency_code=currency_code.upper(),
        milestone=milestone,
        probability=milestone.probability,
        expected_close_date=expected_close_date,
        owner_id=owner_id,
        description=description.strip(),
    )


@transaction.atomic
def opportunity_update(
    *,
    user: User,
    opportunity_id: int,
    name: str,
    value: Decimal,
    currency_code: str,
    milestone_id: int,
    expected_close_date: date | None = None,
    owner_id: int | None = None,
    description: str = "",
) -> Opportunity:
    """Replace a visible opportunity's details; a new milestone brings its probability. Its contact, team and
    outcome stay. Raises Opportunity.DoesNotExist (not visible), Milestone.DoesNotExist or OpportunityInvalid."""
    opportunity = opportunities_visible_to(user=user).select_for_update().get(pk=opportunity_id)
    _check_details(name=name, value=value, currency_code=currency_code)
    _check_owner(owner_id=owner_id, team_id=opportunity.team_id)
    if milestone_id != opportunity.milestone_id:
        opportunity.milestone = Milestone.objects.get(pk=milestone_id)
        opportunity.probability = opportunity.milestone.probability
    opportunity.name, opportunity.value, opportunity.currency_code = name.strip(), value, currency_code.upper()
    opportunity.expected_close_date, opportunity.owner_id = expected_close_date, owner_id
    opportunity.description = description.strip()
    opportunity.save()
    return opportunity


@transaction.atomic
def opportunity_close(*, user: User, opportunity_id: int, outcome: str, reason: str, today: date) -> Opportunity:
    """Mark a visible open opportunity won or lost on `today`, with the reason given (required when lost); it
    leaves the pipeline. Raises Opportunity.DoesNotExist, OpportunityClosed, or OpportunityInvalid."""
    opportunity = opportunities_visible_to(user=user).select_for_update().get(pk=opportunity_id)
    if not opportunity.is_open:
        raise OpportunityClosed(f"{opportunity.name} is already {opportunity.get_outcome_display().lower()}.")
    if outcome not in (Opportunity.Outcome.WON, Opportunity.Outcome.LOST):
        raise OpportunityInvalid("An opportunity is closed as won or lost.")
    if outcome == Opportunity.Outcome.LOST and not reason.strip():
        raise OpportunityInvalid("Say why it was lost.")
    opportunity.outcome, opportunity.closed_on, opportunity.close_reason = outcome, today, reason.strip()
    opportunity.save(update_fields=["outcome", "closed_on", "close_reason", "updated_at"])
    return opportunity


@transaction.atomic
def opportunity_reopen(*, user: User, opportunity_id: int) -> Opportunity:
    """Put a visible won or lost opportunity back in the pipeline, at its milestone, forgetting the reason.
    Raises Opportunity.DoesNotExist, or OpportunityInvalid when it is open or a won sale with instalments."""
    opportunity = opportunities_visible_to(user=user).select_for_update().get(pk=opportunity_id)
    if opportunity.is_open:
        raise OpportunityInvalid(f"{opportunity.name} is already open.")
    if InstalmentPlan.objects.filter(opportunity=opportunity).exists():
        raise OpportunityInvalid(f"{opportunity.name} has an instalment plan: a sale being invoiced stays won.")
    opportunity.outcome, opportunity.closed_on, opportunity.close_reason = Opportunity.Outcome.OPEN, None, ""
    opportunity.save(update_fields=["outcome", "closed_on", "close_reason", "updated_at"])
    return opportunity


# Instalment plans ---------------------------------------------------------------------------------------------

MAX_INSTALMENTS = 120
# The documented invoice reference format (docs/xero.md, "Instalment references"): OPP-<opportunity id> names the
# sale (its earliest unmatched instalment), OPP-<opportunity id>-<position> one instalment of it. Case-insensitive,
# anywhere in the reference ("PO 7781 / OPP-42-3" matches).
REFERENCE_PATTERN = re.compile(r"(?<![A-Z0-9])OPP-(\d{1,12})(?:-(\d{1,4}))?(?![A-Z0-9-])", re.IGNORECASE)
_UNMATCHABLE_STATUSES = [Invoice.Status.VOIDED, Invoice.Status.DELETED]


class OpportunityNotWon(Exception):
    """Only a won opportunity carries an instalment plan."""


class InstalmentPlanExists(Exception):
    """The opportunity already has a plan; edit it instead of generating another."""


class InstalmentPlanInvalid(ValueError):
    """The instalments asked for can't make a plan (wrong total, nothing to split, too many); the message says why."""


class InvoiceNotMatchable(Exception):
    """The invoice can't bill this instalment: another contact's or currency's, already matched, voided or a bill."""


@dataclass(frozen=True, slots=True)
class InstalmentInput:
    """One row of a hand-edited plan; `instalment_id` names the existing instalment it keeps (and its invoice)."""

    amount: Decimal
    due_on: date
    instalment_id: int | None = None


def months_later(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day when it is shorter (31 Jan -> 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def instalment_amounts_even(*, total: Decimal, count: int) -> list[Decimal]:
    """`total` split into `count` equal amounts in pennies; the last one absorbs the rounding, so they sum exactly.

    Raises InstalmentPlanInvalid when the count is out of range or the total is too small to give each a penny.
    """
    if not 1 <= count <= MAX_INSTALMENTS:
        raise InstalmentPlanInvalid(f"A plan has between 1 and {MAX_INSTALMENTS} instalments.")
    share = (total / count).quantize(_PENNY, rounding=ROUND_DOWN)
    if share <= 0:
        raise InstalmentPlanInvalid(f"{total} is too little to split into {count} instalments.")
    return [share] * (count - 1) + [total - share * (count - 1)]


def _won_opportunity(*, opportunity_id: int, user: User) -> Opportunity:
    """The visible opportunity, locked for the plan's update. Raises Opportunity.DoesNotExist or OpportunityNotWon."""
    opportunity = opportunities_visible_to(user=user).select_for_update().get(pk=opportunity_id)
    if opportunity.outcome != Opportunity.Outcome.WON:
        raise OpportunityNotWon(
            f"{opportunity.name} is {opportunity.get_outcome_display().lower()}; only a won sale has instalments."
        )
    return opportunity


@transaction.atomic
def instalment_plan_create_even(*, opportunity_id: int, user: User, count: int, first_due_on: date) -> InstalmentPlan:
    """Split a won opportunity's value into `count` monthly instalments from `first_due_on`, then match any
    invoices whose references already name them.

    Raises Opportunity.DoesNotExist (not visible), OpportunityNotWon, InstalmentPlanExists or InstalmentPlanInvalid.
    """
    opportunity = _won_opportunity(opportunity_id=opportunity_id, user=user)
    if InstalmentPlan.objects.filter(opportunity=opportunity).exists():
        raise InstalmentPlanExists(f"{opportunity.name} already has an instalment plan; edit it instead.")
    amounts = instalment_amounts_even(total=opportunity.value, count=count)
    plan = InstalmentPlan.objects.create(opportunity=opportunity)
    Instalment.objects.bulk_create(
        Instalment(
            plan=plan,
            position=index + 1,
            amount=amount,
            currency_code=opportunity.currency_code,
            due_on=months_later(first_due_on, index),
        )
        for index, amount in enumerate(amounts)
    )
    _match_by_reference(Invoice.objects.filter(contact_id=opportunity.contact_id))
    return plan


@transaction.atomic
def instalment_plan_update(
    *, opportunity_id: int, user: User, instalments: Sequence[InstalmentInput]
) -> InstalmentPlan:
    """Replace the plan's instalments with `instalments`, numbered by due date. Rows naming an existing instalment
    keep its invoice; the amounts must add up to the opportunity's value exactly, in its currency.

    Raises Opportunity.DoesNotExist, InstalmentPlan.DoesNotExist, OpportunityNotWon or InstalmentPlanInvalid.
    """
    opportunity = _won_opportunity(opportunity_id=opportunity_id, user=user)
    plan = InstalmentPlan.objects.get(opportunity=opportunity)
    if not 1 <= len(instalments) <= MAX_INSTALMENTS:
        raise InstalmentPlanInvalid(f"A plan has between 1 and {MAX_INSTALMENTS} instalments.")
    if any(row.amount <= 0 for row in instalments):
        raise InstalmentPlanInvalid("Every instalment needs an amount above zero.")
    total = sum((row.amount for row in instalments), Decimal(0))
    if total != opportunity.value:
        gap = money_format(abs(total - opportunity.value), opportunity.currency_code)
        raise InstalmentPlanInvalid(
            f"The instalments add up to {money_format(total, opportunity.currency_code)}, but {opportunity.name} "
            f"is worth {money_format(opportunity.value, opportunity.currency_code)} "
            f"({gap} {'too much' if total > opportunity.value else 'short'})."
        )
    kept = [row.instalment_id for row in instalments if row.instalment_id is not None]
    if len(kept) != len(set(kept)):
        raise InstalmentPlanInvalid("An instalment appears twice; reload the page and edit again.")
    existing = {row.pk: row for row in plan.instalments.all()}
    if unknown := {row.instalment_id for row in instalments} - {None, *existing}:
        raise InstalmentPlanInvalid(f"Instalment {min(unknown)} is not part of this plan; reload the page.")
    plan.instalments.all().delete()
    ordered = sorted(instalments, key=lambda row: row.due_on)
    Instalment.objects.bulk_create(
        Instalment(
            plan=plan,
            position=index + 1,
            amount=row.amount,
            currency_code=opportunity.currency_code,
            due_on=row.due_on,
            invoice_id=existing[row.instalment_id].invoice_id if row.instalment_id else None,
            matched_by=existing[row.instalment_id].matched_by if row.instalment_id else "",
        )
        for index, row in enumerate(ordered)
    )
    plan.save(update_fields=["updated_at"])
    _match_by_reference(Invoice.objects.filter(contact_id=opportunity.contact_id))
    return plan


def _visible_instalment(*, opportunity_id: int, instalment_id: int, user: User) -> Instalment:
    return (
        Instalment.objects.select_for_update(of=("self",))
        .select_related("plan__opportunity__contact")
        .get(
            pk=instalment_id,
            plan__opportunity_id=opportunity_id,
            plan__opportunity__in=opportunities_visible_to(user=user),
        )
    )


@transaction.atomic
def instalment_match(*, opportunity_id: int, instalment_id: int, invoice_id: int, user: User) -> Instalment:
    """Match an instalment of the opportunity by hand to one of its contact's unmatched sales invoices in its
    currency (replacing any earlier match). Raises Instalment.DoesNotExist (not the opportunity's, or not
    visible) or InvoiceNotMatchable."""
    instalment = _visible_instalment(opportunity_id=opportunity_id, instalment_id=instalment_id, user=user)
    invoice = instalment_invoice_choices(instalment=instalment).filter(pk=invoice_id).first()
    if invoice is None:
        raise InvoiceNotMatchable(
            f"That invoice can't bill this instalment: pick one of {instalment.plan.opportunity.contact.name}'s "
            f"unmatched sales invoices in {instalment.currency_code}."
        )
    instalment.invoice, instalment.matched_by = invoice, Instalment.MatchedBy.HAND
    try:
        with transaction.atomic():
            instalment.save(update_fields=["invoice", "matched_by"])
    except IntegrityError:
        raise InvoiceNotMatchable(f"{invoice} was just matched to another instalment.") from None
    return instalment


@transaction.atomic
def instalment_unmatch(*, opportunity_id: int, instalment_id: int, user: User) -> Instalment:
    """Forget which invoice bills the opportunity's instalment. Raises Instalment.DoesNotExist when it is not the
    opportunity's or not visible."""
    instalment = _visible_instalment(opportunity_id=opportunity_id, instalment_id=instalment_id, user=user)
    instalment.invoice, instalment.matched_by = None, ""
    instalment.save(update_fields=["invoice", "matched_by"])
    return instalment


def instalments_match_by_reference(*, organisation_id: int) -> int:
    """Match the organisation's unmatched sales invoices whose reference names an instalment (REFERENCE_PATTERN) to
    it, when the invoice's contact and currency are the opportunity's. Safe to run concurrently; returns how many
    instalments it matched. The Xero sync calls it after storing and relinking invoices."""
    return _match_by_reference(Invoice.objects.filter(organisation_id=organisation_id))


def _match_by_reference(invoices: QuerySet[Invoice]) -> int:
    candidates = []
    for invoice in (
        invoices.filter(
            type=Invoice.Type.ACCREC, contact__isnull=False, instalment__isnull=True, reference__icontains="OPP-"
        )
        .exclude(status__in=_UNMATCHABLE_STATUSES)
        .order_by(F("issued_on").asc(nulls_last=True), "number", "pk")
        .only("pk", "reference", "contact_id", "currency_code")
    ):
        if found := REFERENCE_PATTERN.search(invoice.reference):
            position = int(found.group(2)) if found.group(2) else None
            candidates.append((invoice, int(found.group(1)), position))
    if not candidates:
        return 0
    open_instalments: dict[int, list[Instalment]] = {}
    for instalment in (
        Instalment.objects.filter(
            plan__opportunity_id__in={opportunity_id for _, opportunity_id, _ in candidates},
            plan__opportunity__outcome=Opportunity.Outcome.WON,
            invoice__isnull=True,
        )
        .select_related("plan__opportunity")
        .order_by("position")
    ):
        open_instalments.setdefault(instalment.plan.opportunity_id, []).append(instalment)
    matched = 0
    for invoice, opportunity_id, position in candidates:
        waiting = [
            instalment
            for instalment in open_instalments.get(opportunity_id, [])
            if instalment.plan.opportunity.contact_id == invoice.contact_id
            and instalment.currency_code == invoice.currency_code
            and (position is None or instalment.position == position)
        ]
        if waiting and _claim(instalment=waiting[0], invoice_id=invoice.pk):
            open_instalments[opportunity_id].remove(waiting[0])
            matched += 1
    return matched


def _claim(*, instalment: Instalment, invoice_id: int) -> bool:
    """Match one instalment if it is still unmatched: a conditional UPDATE, so two racing syncs can't both win."""
    try:
        with transaction.atomic():
            return bool(
                Instalment.objects.filter(pk=instalment.pk, invoice__isnull=True).update(
                    invoice_id=invoice_id, matched_by=Instalment.MatchedBy.AUTO
                )
            )
    except IntegrityError:  # the invoice was matched elsewhere meanwhile
        return False
