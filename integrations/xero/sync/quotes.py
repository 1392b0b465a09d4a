"""Quotes at Xero, both ways: the sync reads them into the ledger's quote mirror (and an accepted quote moves its
opportunity), and "Create quote in Xero" makes a DRAFT from an opportunity. The mirror itself (storage, reads, the
`OPP-<id>` reference) is `invoices.quotes`; the pages are `views/quotes.py`. See "Where quotes live" in
docs/ARCHITECTURE.md.

Reading. Quotes are read in a sync only while an opportunity's quote can still change status (DRAFT, SENT,
ACCEPTED), and in the weekly full reconcile (which also brings quotes made in Xero for no opportunity): an idle
incremental sync stays at three calls. Xero's webhooks do not cover quotes.

Making a draft, once per form submission. Each rendering of the form carries a fresh `submission_key`. Its first
POST records a QuoteRequest under that key; every POST with the same key (a double click, a retry after Xero's
answer was lost) works on that same row, under its lock, and sends Xero the same body with the same
Idempotency-Key, so Xero makes one quote and answers the retry with it. A contact not yet in that organisation is
created there first (idempotently too) and linked.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from integrations.xero import auth, client, ownership, schemas, selectors
from integrations.xero.models import QuoteRequest, XeroConnection, XeroContact
from integrations.xero.sync import contacts as contact_sync
from integrations.xero.sync import names, reconcile
from integrations.xero.sync.invoices import organisation_id_of
from integrations.xero.sync.matching import contact_number_for
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

REFUSED_WITHOUT_REASON = "Xero refused the quote without saying why."


class QuoteRefused(Exception):
    """Xero refused the quote (validation). Nothing was made; a new submission may try again."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


class DraftAlreadyExists(Exception):
    """The opportunity already has a DRAFT quote, and the user did not ask for another one."""

    def __init__(self, drafts: list[quote_mirror.QuoteRow]) -> None:
        super().__init__(f"The opportunity already has {len(drafts)} draft quote(s).")
        self.drafts = drafts


class OrganisationNotAllowed(Exception):
    """The organisation picked is not one this contact's quotes may be made in."""


class SubmissionMismatch(Exception):
    """The submission key was already used for another opportunity."""


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


def _draft(request: QuoteRequest, *, xero_contact_id: str) -> schemas.QuoteDraft:
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
    request = QuoteRequest.objects.filter(submission_key=submission_key).first()
    if request is None:
        allowed = {c.pk for c in selectors.quote_organisations(contact_id=opportunity.contact_id, user=user)}
        if data.connection_id not in allowed:
            raise OrganisationNotAllowed("Pick one of the Xero organisations offered.")
        drafts = quote_mirror.opportunity_drafts(opportunity_id=opportunity.pk)
        if drafts and not another_draft_confirmed:
            raise DraftAlreadyExists(drafts)
        request, _ = QuoteRequest.objects.get_or_create(
            submission_key=submission_key,
            defaults={
                "connection_id": data.connection_id,
                "opportunity": opportunity,
                "requested_by": user,
                "form": _form_json(data),
                "created_at": clock(),
            },
        )
    if request.opportunity_id != opportunity.pk:
        raise SubmissionMismatch("This form was submitted for another opportunity.")
    return _quote_request_send(request_id=request.pk, identity=identity, clock=clock)


def _quote_request_send(*, request_id: int, identity: client.XeroIdentity, clock: Callable[[], datetime]) -> Quote:
    """Send the request's quote to Xero under its lock, so concurrent submissions of one key wait for each other.

    Links made on the way (a contact created in Xero) are kept whatever happens to the quote: a retry reuses them.
    """
    refused: list[str] | None = None
    failure: client.XeroError | None = None
    # A token refresh commits on its own, before the lock: a rotated refresh token must never ride on this
    # transaction, and the grant's row lock must not be held while Xero is asked for the quote.
    grant_id = QuoteRequest.objects.values_list("connection__grant_id", flat=True).get(pk=request_id)
    if grant_id is None:
        raise client.ReconnectNeeded("This Xero organisation is disconnected.")
    auth.grant_access_token(grant_id=grant_id, identity=identity, now=clock())
    with transaction.atomic():
        request = (
            QuoteRequest.objects.select_for_update().select_related("connection", "opportunity").get(pk=request_id)
        )
        if request.status == QuoteRequest.Status.CREATED and request.quote is not None:
            return request.quote
        if request.status == QuoteRequest.Status.FAILED:
            refused = request.errors
        else:
            xero = auth.client_for(connection=request.connection, identity=identity, clock=clock)
            try:
                with transaction.atomic():
                    xero_contact_id = _xero_contact_id(request, xero=xero)
                made = xero.quote_create(
                    schemas.quote_draft_json(_draft(request, xero_contact_id=xero_contact_id)),
                    idempotency_key=request.idempotency_key,
                )
            except (client.XeroValidationError, names.NameTaken) as exc:
                if isinstance(exc, names.NameTaken):
                    refused = names.name_taken_record(exc)
                else:
                    refused = exc.messages or [REFUSED_WITHOUT_REASON]
                request.status, request.errors, request.finished_at = QuoteRequest.Status.FAILED, refused, clock()
                request.save(update_fields=["status", "errors", "finished_at"])
                logger.info("Xero refused a quote", extra={"quote_request_id": request.pk})
            except client.XeroError as exc:
                failure = exc
                logger.warning(
                    "Xero did not answer a quote request; it can be sent again",
                    extra={"quote_request_id": request.pk, "error": type(exc).__name__},
                )
            else:
                quotes_apply(connection_id=request.connection_id, quotes=[made], now=clock())
                quote = Quote.objects.get(organisation_id=request.connection.organisation_id, xero_id=made.quote_id)
                request.status, request.quote, request.finished_at = QuoteRequest.Status.CREATED, quote, clock()
                request.save(update_fields=["status", "quote", "finished_at"])
                logger.info("Quote created in Xero", extra={"quote_request_id": request.pk, "quote_id": quote.pk})
                return quote
    if refused is not None:
        raise QuoteRefused(refused)
    assert failure is not None
    raise failure


def _xero_contact_id(request: QuoteRequest, *, xero: client.XeroClient) -> str:
    """The opportunity's contact's id in the request's organisation: its link; else the unlinked Xero contact the
    matching rules pick for it (Capsync's ContactNumber first), now linked; else a new Xero contact numbered
    "CAPSYNC-<id>", created and linked. Raises names.NameTaken when another Xero contact holds the name."""
    contact_id = request.opportunity.contact_id
    link = XeroContact.objects.filter(
        connection_id=request.connection_id, contact_id=contact_id, link_state=XeroContact.LinkState.LINKED
    ).first()
    if link is not None:
        return link.xero_id
    known = contact_sync.xero_contact_matching(connection_id=request.connection_id, contact_id=contact_id)
    if known is not None:
        contact_sync.contact_link(xero_contact=known, contact_id=contact_id)
        logger.info("Contact linked to its Xero copy for a quote", extra={"quote_request_id": request.pk})
        return known.xero_id
    contact = reconcile.contacts_loaded([contact_id])[contact_id]
    if names.name_holder(connection_id=request.connection_id, name=contact.name) is not None:
        # Never a suffixed second contact: the admin decides in the conflict inbox.
        raise names.NameTaken(connection_id=request.connection_id, contact_id=contact_id, name=contact.name)
    # Everything the CRM holds of it, as a push of every group would send it (persons only when Xero takes them).
    values = ownership.crm_values(contact=contact, link=XeroContact(persons=[]))
    if ownership.send_refusal(contact=contact, send=values):
        values.pop(ownership.Group.PERSONS, None)
    element = ownership.element_of(contact=contact, xero_id="", send=values)
    element["ContactNumber"] = contact_number_for(contact_id)
    try:
        made = xero.contact_create(element, idempotency_key=f"{request.idempotency_key}-contact")
    except schemas.SchemaError as exc:  # made, but unreadable: the retry replays the answer under the same key
        raise client.XeroUnavailable(f"Xero answered PUT Contacts with {exc.reason}") from exc
    except client.XeroValidationError as exc:
        if names.is_name_refusal(exc.messages):  # the name was taken in Xero since the last sync
            records = [
                record
                for page in xero.contacts(modified_since=None, search_term=contact.name.strip())
                for record in page.records
            ]
            raise names.NameTaken(
                connection_id=request.connection_id, contact_id=contact_id, name=contact.name, records=records
            ) from exc
        raise
    contact_sync.xero_contacts_store(connection_id=request.connection_id, records=[made])
    mirror = XeroContact.objects.get(connection_id=request.connection_id, xero_id=made.contact_id)
    contact_sync.contact_link(xero_contact=mirror, contact_id=contact_id)
    logger.info("Contact created in Xero for a quote", extra={"quote_request_id": request.pk, "contact_id": contact_id})
    return made.contact_id
