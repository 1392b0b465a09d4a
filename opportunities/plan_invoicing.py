"""Who raises an instalment plan's invoices, and the claims that let one worker at a time raise each of them.

The plan's setting (`InstalmentPlan.invoicing`): made in Xero by hand and matched by reference (the default), or
raised by Capsync in one organisation, all at once when asked or each a set number of days before its due date.
Raising itself talks to Xero, so it lives in the integration (integrations/xero/sync/instalments.py); these are
the CRM's rows it reads and claims:

- `instalments_due_to_raise(now)`: the scheduled instalments whose day has come in their organisation's own date;
- `instalment_raise_claim`: a conditional UPDATE that only one worker wins (healthchecks' sendalerts, and the
  sync's own claim), which lapses after `RAISE_CLAIM_SECONDS` if its worker dies. The claim also gives the
  instalment its request key once, so every attempt, by whichever worker, asks Xero for the same invoice;
- `instalment_raise_finish`: the claim released, with Xero's refusal kept (scheduled runs then leave it alone
  until someone asks again) or the invoice linked.
"""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from accounts.models import User
from invoices.models import Organisation
from invoices.overdue import org_today
from opportunities.models import MAX_RAISE_DAYS_BEFORE_DUE, Instalment, InstalmentPlan, Opportunity
from opportunities.selectors import opportunities_visible_to

RAISE_CLAIM_SECONDS = 15 * 60


class InvoicingInvalid(ValueError):
    """The invoicing asked for is incomplete (a schedule without its number of days); the message says why."""


@transaction.atomic
def instalment_plan_invoicing_set(
    *,
    opportunity_id: int,
    user: User,
    invoicing: str,
    organisation_id: int | None = None,
    raise_days_before_due: int | None = None,
) -> InstalmentPlan:
    """Say who raises the plan's invoices, as `user` (whom the scheduled raising then acts for), and in which
    organisation (None: the one its contact is linked in). Instalments not invoiced yet forget an earlier refusal
    and its request, so the next attempt asks Xero afresh.

    Raises Opportunity.DoesNotExist (not visible), InstalmentPlan.DoesNotExist, Organisation.DoesNotExist, or
    InvoicingInvalid.
    """
    opportunity = opportunities_visible_to(user=user).select_for_update().get(pk=opportunity_id)
    plan = InstalmentPlan.objects.select_for_update().get(opportunity=opportunity)
    if invoicing not in InstalmentPlan.Invoicing.values:
        raise InvoicingInvalid("Pick how the instalments are invoiced.")
    if invoicing == InstalmentPlan.Invoicing.BY_HAND:
        organisation_id, raise_days_before_due = None, None
    elif organisation_id is not None:
        Organisation.objects.get(pk=organisation_id)
    if invoicing != InstalmentPlan.Invoicing.SCHEDULED:
        raise_days_before_due = None
    elif raise_days_before_due is None or not 0 <= raise_days_before_due <= MAX_RAISE_DAYS_BEFORE_DUE:
        raise InvoicingInvalid(f"Say how many days (0 to {MAX_RAISE_DAYS_BEFORE_DUE}) before its due date.")
    plan.invoicing, plan.organisation_id = invoicing, organisation_id
    plan.raise_days_before_due, plan.invoicing_set_by = raise_days_before_due, user
    plan.save()
    plan.instalments.filter(invoice__isnull=True).update(raise_key=None, raise_error="")
    return plan


def instalments_due_to_raise(*, now: datetime) -> list[int]:
    """Ids of the instalments of won sales' scheduled plans that are not invoiced, not refused by Xero, and whose
    raising day (due date minus the plan's days) has come in their plan's organisation's local date at `now`,
    earliest due first. One query: the SQL cut is coarse (no organisation's date is later than UTC's + 1 day);
    the exact day is judged per organisation here."""
    latest = org_today(now=now, timezone_name="") + timedelta(days=1 + MAX_RAISE_DAYS_BEFORE_DUE)
    rows = (
        Instalment.objects.filter(
            invoice__isnull=True,
            raise_error="",
            due_on__lte=latest,
            plan__invoicing=InstalmentPlan.Invoicing.SCHEDULED,
            plan__opportunity__outcome=Opportunity.Outcome.WON,
        )
        .order_by("due_on", "pk")
        .values_list("pk", "due_on", "plan__raise_days_before_due", "plan__organisation__timezone")
    )
    return [pk for pk, due_on, days, zone in rows if due_on - timedelta(days=days) <= _local_today(now=now, zone=zone)]


def _local_today(*, now: datetime, zone: str | None) -> date:
    try:
        return org_today(now=now, timezone_name=zone or "")
    except (ZoneInfoNotFoundError, ValueError):
        return org_today(now=now, timezone_name="")


def instalments_to_raise(*, plan: InstalmentPlan) -> QuerySet[Instalment]:
    """The plan's instalments without an invoice, in order: what "Raise the invoices" raises."""
    return plan.instalments.filter(invoice__isnull=True).order_by("position")


def instalment_raise_claim(*, instalment_id: int, now: datetime) -> Instalment | None:
    """Claim the instalment for raising its invoice, or None when it is invoiced already or another worker holds
    a claim younger than RAISE_CLAIM_SECONDS. The winner gets the instalment (plan and opportunity loaded) with
    its request key, made on the first claim and kept by every later one."""
    stale = now - timedelta(seconds=RAISE_CLAIM_SECONDS)
    claimed = Instalment.objects.filter(
        Q(raise_claimed_at__isnull=True) | Q(raise_claimed_at__lt=stale), pk=instalment_id, invoice__isnull=True
    ).update(raise_claimed_at=now)
    if claimed != 1:
        return None
    Instalment.objects.filter(pk=instalment_id, raise_key__isnull=True).update(raise_key=uuid.uuid4())
    return Instalment.objects.select_related("plan__opportunity").get(pk=instalment_id)


def instalment_raise_finish(*, instalment_id: int, invoice_id: int | None = None, error: str = "") -> bool:
    """Release the claim: link the raised invoice (unless the sync's reference matching already did) or keep
    Xero's refusal; with neither (Xero did not answer), the next attempt sends the same request again. Returns
    whether the instalment is now billed by `invoice_id`."""
    fields: dict[str, object] = {"raise_claimed_at": None, "raise_error": error}
    if invoice_id is None:
        Instalment.objects.filter(pk=instalment_id).update(**fields)
        return False
    try:
        with transaction.atomic():
            Instalment.objects.filter(pk=instalment_id, invoice__isnull=True).update(
                **fields, invoice_id=invoice_id, matched_by=Instalment.MatchedBy.AUTO
            )
    except IntegrityError:  # the invoice bills another instalment (matched by hand meanwhile)
        Instalment.objects.filter(pk=instalment_id).update(**fields)
    return Instalment.objects.filter(pk=instalment_id, invoice_id=invoice_id).exists()


def instalment_raise_retry(*, instalment_id: int) -> None:
    """Forget Xero's refusal and the request it answered, so the next attempt is a new request."""
    Instalment.objects.filter(pk=instalment_id, invoice__isnull=True).exclude(raise_error="").update(
        raise_error="", raise_key=None
    )
