"""Quotes at Xero, both ways: the sync reads them into the ledger's quote mirror (and an accepted quote moves its
opportunity), and "Create quote in Xero" makes a DRAFT from an opportunity. The mirror itself (storage, reads, the
`OPP-<id>` reference) is `invoices.quotes`; the pages are `views/quotes.py`. See "Where quotes live" in
docs/ARCHITECTURE.md.

Reading. Quotes are read in a sync only while an opportunity's quote can still change status (DRAFT, SENT,
ACCEPTED), and in the weekly full reconcile (which also brings quotes made in Xero for no opportunity): an idle
incremental sync stays at three calls. Xero's webhooks do not cover quotes.

Making a draft, once per form submission: the request mechanism shared with invoices (`creates.py`: one
CreateRequest per submission key, the same body under the same Idempotency-Key on every retry, the contact created
in Xero first when needed). This module gives it the quote's body and mirror (`QUOTE_MAKER`).
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from accounts.models import User
from integrations.xero import client, schemas, selectors
from integrations.xero.models import CreateRequest, XeroConnection, XeroContact
from integrations.xero.sync import creates
from integrations.xero.sync.invoices import organisation_id_of
from invoices import quotes as quote_mirror
from invoices.models import Quote
from opportunities import services as opportunity_services
from opportunities.models import Milestone, Opportunity
from opportunities.selectors import opportunity_detail

logger = logging.getLogger(__name__)

RESOURCE = "Quotes"


@dataclass(frozen=True)
class QuotesApplied:
    written: int
    opportunities_moved: int


def quotes_wanted(*, connection_id: int, full: bool) -> bool:
    """Whether this run should read quotes: always in a full reconcile, otherwise only while an opportunity's
    quote is open."""
    return full or quote_mirror.quotes_open_exist(organisation_id=organisation_id_of(connection_id=connection_id))


def _quote_data(quote: schemas.XeroQuote) -> quote_mirror.QuoteData:
    return quote_mirror.QuoteData(
        xero_id=quote.quote_id,
        xero_contact_id=quote.contact_id,
        number=quote.number,
        reference=quote.reference,
        title=quote.title,
        status=str(quote.status),
        currency_code=quote.currency_code,
        total=quote.total if quote.total is not None else Decimal("0"),
        issued_on=quote.date,
        expires_on=quote.expiry_date,
        xero_updated_at=quote.updated_at,
    )


def quotes_apply(*, connection_id: int, quotes: list[schemas.XeroQuote], now: datetime) -> QuotesApplied:
    """Store one page of quotes (newer wins), then move the open opportunities of newly accepted quotes to the
    organisation's "accepted quote" milestone, when one is set."""
    links = (
        dict(
            XeroContact.objects.filter(
                connection_id=connection_id, contact__isnull=False, xero_id__in={quote.contact_id for quote in quotes}
            ).values_list("xero_id", "contact_id")
        )
        if quotes
        else {}
    )
    result = quote_mirror.quotes_upsert(
        organisation_id=organisation_id_of(connection_id=connection_id),
        items=[_quote_data(quote) for quote in quotes],
        contact_ids_by_xero_id=links,
        now=now,
    )
    opportunity_ids = sorted({opportunity_id for _, opportunity_id in result.accepted if opportunity_id})
    moved = _opportunities_move(connection_id=connection_id, opportunity_ids=opportunity_ids) if opportunity_ids else 0
    return QuotesApplied(written=result.created + result.updated, opportunities_moved=moved)


def _opportunities_move(*, connection_id: int, opportunity_ids: list[int]) -> int:
    """Move each open opportunity to the organisation's accepted-quote milestone, as the admin who connected it."""
    connection = XeroConnection.objects.select_related("connected_by").get(pk=connection_id)
    milestone_id = connection.accepted_quote_milestone_id
    if milestone_id is None:
        return 0
    if connection.connected_by is None:
        logger.warning(
            "Accepted quotes cannot move opportunities: nobody is recorded as connecting Xero",
            extra={"connection_id": connection_id, "opportunities": len(opportunity_ids)},
        )
        return 0
    moved = 0
    for opportunity_id in opportunity_ids:
        try:
            opportunity_services.opportunity_move(
                opportunity_id=opportunity_id, milestone_id=milestone_id, user=connection.connected_by
            )
        except opportunity_services.OpportunityClosed:
            continue  # won or lost already: it stays where it is
        except (Opportunity.DoesNotExist, Milestone.DoesNotExist):
            logger.warning(
                "An accepted quote's opportunity or milestone is gone",
                extra={"connection_id": connection_id, "opportunity_id": opportunity_id},
            )
            continue
        moved += 1
    logger.info("Accepted quotes moved opportunities", extra={"connection_id": connection_id, "moved": moved})
    return moved


# Making a draft in Xero from an opportunity.

QuoteRefused = creates.DocumentRefused  # Xero refused the quote: nothing was made
SubmissionMismatch = creates.SubmissionMismatch


class DraftAlreadyExists(Exception):
    """The opportunity already has a DRAFT quote, and the user did not ask for another one."""

    def __init__(self, drafts: list[quote_mirror.QuoteRow]) -> None:
        super().__init__(f"The opportunity already has {len(drafts)} draft quote(s).")
        self.drafts = drafts


class OrganisationNotAllowed(Exception):
    """The organisation picked is not one this contact's quotes may be made in."""


@dataclass(frozen=True)
class QuoteLineInput:
    description: str
    quantity: Decimal
    unit_amount: Decimal


@dataclass(frozen=True)
class QuoteInput:
    """What the form asks for. `line_amount_types` is EXCLUSIVE, INCLUSIVE or NOTAX."""

    connection_id: int
    title: str
    summary: str
    date: date
    expiry_date: date | None
    line_amount_types: str
    currency_code: str
    lines: tuple[QuoteLineInput, ...]


def _form_json(data: QuoteInput) -> dict:
    """The submission as stored on its QuoteRequest: plain JSON, amounts and dates as text (exact)."""
    return {
        "title": data.title,
        "summary": data.summary,
        "date": data.date.isoformat(),
        "expiry_date": data.expiry_date.isoformat() if data.expiry_date else None,
        "line_amount_types": data.line_amount_types,
        "currency_code": data.currency_code,
        "lines": [
            {"description": line.description, "quantity": str(line.quantity), "unit_amount": str(line.unit_amount)}
            for line in data.lines
        ],
    }


def _draft(request: CreateRequest, *, xero_contact_id: str) -> schemas.QuoteDraft:
    form = request.form
    return schemas.QuoteDraft(
        contact_id=xero_contact_id,
        reference=quote_mirror.opportunity_reference(request.opportunity_id),
        title=form["title"],
        summary=form["summary"],
        date=date.fromisoformat(form["date"]),
        expiry_date=date.fromisoformat(form["expiry_date"]) if form["expiry_date"] else None,
        line_amount_types=form["line_amount_types"],
        currency_code=form["currency_code"],
        lines=tuple(
            schemas.QuoteLine(
                description=line["description"],
                quantity=Decimal(line["quantity"]),
                unit_amount=Decimal(line["unit_amount"]),
            )
            for line in form["lines"]
        ),
    )


def _quote_send(xero: client.XeroClient, request: CreateRequest, xero_contact_id: str) -> schemas.XeroQuote:
    return xero.quote_create(
        schemas.quote_draft_json(_draft(request, xero_contact_id=xero_contact_id)),
        idempotency_key=request.idempotency_key,
    )


def _quote_store(request: CreateRequest, made: schemas.XeroQuote, now: datetime) -> Quote:
    quotes_apply(connection_id=request.connection_id, quotes=[made], now=now)
    return Quote.objects.get(organisation_id=request.connection.organisation_id, xero_id=made.quote_id)


QUOTE_MAKER = creates.Maker(kind=CreateRequest.Kind.QUOTE, noun="quote", send=_quote_send, store=_quote_store)


def quote_draft_create(
    *,
    opportunity_id: int,
    requested_by_id: int,
    data: QuoteInput,
    submission_key: uuid.UUID,
    another_draft_confirmed: bool,
    identity: client.XeroIdentity,
    clock: Callable[[], datetime],
) -> Quote:
    """Make (or, for a key seen before, return) the DRAFT quote of this submission in Xero, and mirror it.

    A key seen before reuses its first submission, whatever `data` says now. Raises Opportunity.DoesNotExist when
    the user may not see the opportunity, SubmissionMismatch, OrganisationNotAllowed, DraftAlreadyExists (a new
    submission while a draft exists and `another_draft_confirmed` is False), QuoteRefused (Xero's validation
    messages; nothing was made and the submission is spent), or a client.XeroError when Xero could not be reached
    or gave no answer (the same key may be sent again: it will not make a second quote).
    """
    user = User.objects.get(pk=requested_by_id)
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)

    def check_new() -> None:
        allowed = {c.pk for c in selectors.quote_organisations(contact_id=opportunity.contact_id, user=user)}
        if data.connection_id not in allowed:
            raise OrganisationNotAllowed("Pick one of the Xero organisations offered.")
        drafts = quote_mirror.opportunity_drafts(opportunity_id=opportunity.pk)
        if drafts and not another_draft_confirmed:
            raise DraftAlreadyExists(drafts)

    request = creates.request_open(
        kind=CreateRequest.Kind.QUOTE,
        submission_key=submission_key,
        opportunity=opportunity,
        user=user,
        connection_id=data.connection_id,
        form=_form_json(data),
        check_new=check_new,
        clock=clock,
    )
    quote = creates.request_send(request_id=request.pk, maker=QUOTE_MAKER, identity=identity, clock=clock)
    assert isinstance(quote, Quote)
    return quote
