"""An instalment plan's own invoices, raised in Xero: one per instalment, referenced `OPP-<id>-<n>` so the ledger's
reference matching ties it (and then its payments) to exactly that instalment.

Two ways in, as the plan says (`opportunities.plan_invoicing`): "Raise the invoices" on a plan raised all at once
(`instalment_invoices_raise_all`), and beat's `instalment_invoices_raise_due`, for plans whose instalments are each
raised a set number of days before their due date. Either way each instalment is first claimed (a conditional
UPDATE, so two workers running the beat task together never both raise it), then made through the one invoice
path (`sync.invoicing.invoice_create`) under the instalment's own request key: a retry after a lost answer, or
after the claiming worker died, asks Xero for the same invoice and gets it back instead of a second one.

The invoice: one line of the instalment's amount, tax included (so its total is the instalment's amount whatever
the tax rate), coded as the organisation's options say, due on the instalment's due date (or the day it is
raised, when that is later), with the organisation's default status (draft or approved).
"""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import User
from integrations.xero import client, schemas
from integrations.xero.models import SyncRun, XeroConnection, XeroContact
from integrations.xero.sync import invoicing
from opportunities import plan_invoicing
from opportunities.models import Instalment, InstalmentPlan, Opportunity
from opportunities.selectors import opportunity_detail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Raised:
    """What one run did: instalments now invoiced, refused by Xero (their message kept), left for a later run
    (Xero did not answer, or another worker holds them)."""

    invoiced: int = 0
    refused: int = 0
    postponed: int = 0

    def __add__(self, other: "Raised") -> "Raised":
        return Raised(self.invoiced + other.invoiced, self.refused + other.refused, self.postponed + other.postponed)


def _line(instalment: Instalment) -> schemas.InvoiceLine:
    """The instalment as one line; its account and tax are left to the invoice path's organisation defaults."""
    opportunity = instalment.plan.opportunity
    count = instalment.plan.instalments.count()
    return schemas.InvoiceLine(
        description=f"{opportunity.name}: instalment {instalment.position} of {count}",
        quantity=Decimal(1),
        unit_amount=instalment.amount,
    )


def _synced(connections: QuerySet[XeroConnection]) -> QuerySet[XeroConnection]:
    return connections.filter(sync_runs__outcome=SyncRun.Outcome.SUCCEEDED).distinct()


def _connection_of(plan: InstalmentPlan) -> tuple[XeroConnection | None, str]:
    """The connected organisation the plan's invoices are raised in: the one it names, else the only one its
    contact is linked in. (None, why) when there is none to use; (None, "") to wait: until an organisation has
    been synced once, Capsync can neither tell where the contact is nor see the invoices Xero already has (a
    plan's earlier instalments typed in Xero are matched by that sync, and must not be raised twice)."""
    live = XeroConnection.objects.filter(status=XeroConnection.Status.CONNECTED)
    if plan.organisation_id is not None:
        found = live.filter(organisation_id=plan.organisation_id).first()
        if found is None:
            return None, "The plan's Xero organisation is not connected: pick another in its invoicing."
        return (found, "") if _synced(live.filter(pk=found.pk)).exists() else (None, "")
    linked = list(
        _synced(live)
        .filter(
            xero_contacts__contact_id=plan.opportunity.contact_id,
            xero_contacts__link_state=XeroContact.LinkState.LINKED,
        )
        .distinct()[:2]
    )
    if len(linked) == 1:
        return linked[0], ""
    if not linked and not _synced(live).exists():
        return None, ""
    return None, "Pick the Xero organisation the plan's invoices are raised in: its contact is linked in " + (
        "none." if not linked else "more than one."
    )


def _refusal(messages: list[str]) -> str:
    return " ".join(messages) or "Xero refused the invoice without saying why."


def instalment_invoice_raise(
    *, instalment_id: int, acting_user_id: int | None, identity: client.XeroIdentity, clock: Callable[[], datetime]
) -> Raised:
    """Raise one instalment's invoice, if this worker wins its claim. Xero's refusals (and the checks before
    sending: no organisation connected, nobody to act for, an invoice with this reference already there) are kept
    on the instalment; Xero not answering leaves it for the next attempt, which repeats the same request."""
    now = clock()
    instalment = plan_invoicing.instalment_raise_claim(instalment_id=instalment_id, now=now)
    if instalment is None:
        return Raised(postponed=1)
    plan: InstalmentPlan = instalment.plan
    opportunity = plan.opportunity
    connection, problem = _connection_of(plan)
    if connection is None and not problem:  # no organisation synced yet: the next run looks again
        plan_invoicing.instalment_raise_finish(instalment_id=instalment.pk)
        return Raised(postponed=1)
    user_id = acting_user_id or plan.invoicing_set_by_id or (connection.connected_by_id if connection else None)
    if not problem and user_id is None:
        problem = "Nobody is set to raise the invoices: save the plan's invoicing again."
    if problem or connection is None:
        plan_invoicing.instalment_raise_finish(instalment_id=instalment.pk, error=problem)
        return Raised(refused=1)
    issued_on = invoicing.organisation_today(connection_id=connection.pk, now=now)
    try:
        invoice = invoicing.invoice_create(
            opportunity_id=opportunity.pk,
            connection_id=connection.pk,
            lines=[_line(instalment)],
            status=connection.invoice_status,
            due_on=max(instalment.due_on, issued_on),
            reference=f"OPP-{opportunity.pk}-{instalment.position}",
            submission_key=instalment.raise_key,
            requested_by=user_id,
            issued_on=issued_on,
            line_amount_types="Inclusive",
            identity=identity,
            clock=clock,
        )
    except invoicing.InvoiceRefused as exc:
        error = _refusal(exc.messages)
    except invoicing.InvoiceAlreadyExists as exc:
        numbers = ", ".join(str(found) for found in exc.invoices)
        error = f"Xero already has {numbers} with this instalment's reference: match it by hand."
    except (invoicing.NotWon, invoicing.OrganisationNotAllowed, invoicing.SubmissionMismatch) as exc:
        error = str(exc)
    except Opportunity.DoesNotExist:
        error = "The user raising the invoices may no longer see this opportunity: save its invoicing again."
    except client.XeroError as exc:
        plan_invoicing.instalment_raise_finish(instalment_id=instalment.pk)
        logger.warning(
            "Xero did not answer an instalment's invoice; the next run asks again",
            extra={"instalment_id": instalment.pk, "error": type(exc).__name__},
        )
        return Raised(postponed=1)
    else:
        plan_invoicing.instalment_raise_finish(instalment_id=instalment.pk, invoice_id=invoice.pk)
        logger.info("Instalment invoiced in Xero", extra={"instalment_id": instalment.pk, "invoice_id": invoice.pk})
        return Raised(invoiced=1)
    plan_invoicing.instalment_raise_finish(instalment_id=instalment.pk, error=error)
    logger.info("Xero refused an instalment's invoice", extra={"instalment_id": instalment.pk})
    return Raised(refused=1)


def instalment_invoices_raise_due(*, identity: client.XeroIdentity, clock: Callable[[], datetime]) -> Raised:
    """Beat's run: raise every scheduled instalment whose day has come (each once, however many workers run)."""
    done = Raised()
    for instalment_id in plan_invoicing.instalments_due_to_raise(now=clock()):
        done += instalment_invoice_raise(
            instalment_id=instalment_id, acting_user_id=None, identity=identity, clock=clock
        )
    logger.info("Scheduled instalment invoices raised", extra=asdict(done))
    return done


class NotRaisedOnDemand(Exception):
    """The plan's invoices are not raised all at once (made in Xero, or raised on a schedule)."""


def instalment_invoices_raise_all(
    *, opportunity_id: int, user: User, identity: client.XeroIdentity, clock: Callable[[], datetime]
) -> Raised:
    """ "Raise the invoices" of a plan raised all at once: every instalment not yet invoiced, as `user`; one Xero
    refused before is asked afresh.

    Raises Opportunity.DoesNotExist (not visible), InstalmentPlan.DoesNotExist or NotRaisedOnDemand.
    """
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    plan = InstalmentPlan.objects.get(opportunity=opportunity)
    if plan.invoicing != InstalmentPlan.Invoicing.ON_DEMAND:
        raise NotRaisedOnDemand(f"{opportunity.name}'s invoices are not raised all at once: change its invoicing.")
    done = Raised()
    for instalment in plan_invoicing.instalments_to_raise(plan=plan):
        plan_invoicing.instalment_raise_retry(instalment_id=instalment.pk)
        done += instalment_invoice_raise(
            instalment_id=instalment.pk, acting_user_id=user.pk, identity=identity, clock=clock
        )
    return done
