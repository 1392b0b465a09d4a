""""Create quote in Xero": a DRAFT quote made in the opportunity's Xero organisation, once per form submission.

Each rendering of the form carries a fresh `submission_key`. Its first POST records a QuoteRequest under that key;
every POST with the same key (a double click, a retry after Xero's answer was lost) works on that same row, under
its lock, and sends Xero the same body with the same Idempotency-Key, so Xero makes one quote and answers the
retry with it. A contact not yet in that organisation is created there first (idempotently too) and linked.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from contacts.models import Contact
from integrations.xero import auth, client, schemas, selectors
from integrations.xero.models import QuoteRequest, XeroContact
from integrations.xero.sync import contacts as contact_sync
from integrations.xero.sync import push as push_sync
from integrations.xero.sync import quotes as quote_sync
from invoices import quotes as quote_selectors
from invoices.models import Quote
from opportunities.selectors import opportunity_detail

logger = logging.getLogger(__name__)

REFUSED_WITHOUT_REASON = "Xero refused the quote without saying why."


class QuoteRefused(Exception):
    """Xero refused the quote (validation). Nothing was made; a new submission may try again."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


class DraftAlreadyExists(Exception):
    """The opportunity already has a DRAFT quote, and the user did not ask for another one."""

    def __init__(self, drafts: list[quote_selectors.QuoteRow]) -> None:
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
        "title": data.title, "summary": data.summary, "date": data.date.isoformat(),
        "expiry_date": data.expiry_date.isoformat() if data.expiry_date else None,
        "line_amount_types": data.line_amount_types, "currency_code": data.currency_code,
        "lines": [{"description": line.description, "quantity": str(line.quantity),
                   "unit_amount": str(line.unit_amount)} for line in data.lines],
    }


def _draft(request: QuoteRequest, *, xero_contact_id: str) -> schemas.QuoteDraft:
    form = request.form
    return schemas.QuoteDraft(
        contact_id=xero_contact_id,
        reference=quote_selectors.opportunity_reference(request.opportunity_id),
        title=form["title"], summary=form["summary"], date=date.fromisoformat(form["date"]),
        expiry_date=date.fromisoformat(form["expiry_date"]) if form["expiry_date"] else None,
        line_amount_types=form["line_amount_types"], currency_code=form["currency_code"],
        lines=tuple(
            schemas.QuoteLine(description=line["description"], quantity=Decimal(line["quantity"]),
                              unit_amount=Decimal(line["unit_amount"]))
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
        drafts = quote_selectors.opportunity_drafts(opportunity_id=opportunity.pk)
        if drafts and not another_draft_confirmed:
            raise DraftAlreadyExists(drafts)
        request, _ = QuoteRequest.objects.get_or_create(
            submission_key=submission_key,
            defaults={"connection_id": data.connection_id, "opportunity": opportunity, "requested_by": user,
                      "form": _form_json(data), "created_at": clock()},
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
        request = QuoteRequest.objects.select_for_update().select_related("connection", "opportunity").get(
            pk=request_id)
        if request.status == QuoteRequest.Status.CREATED and request.quote is not None:
            return request.quote
        if request.status == QuoteRequest.Status.FAILED:
            refused = request.errors
        else:
            xero = auth.client_for(connection=request.connection, identity=identity, clock=clock)
            try:
                with transaction.atomic():
                    xero_contact_id = _xero_contact_id(request, xero=xero)
                made = xero.quote_create(schemas.quote_draft_json(_draft(request, xero_contact_id=xero_contact_id)),
                                         idempotency_key=request.idempotency_key)
            except client.XeroValidationError as exc:
                refused = exc.messages or [REFUSED_WITHOUT_REASON]
                request.status, request.errors, request.finished_at = QuoteRequest.Status.FAILED, refused, clock()
                request.save(update_fields=["status", "errors", "finished_at"])
                logger.info("Xero refused a quote", extra={"quote_request_id": request.pk})
            except client.XeroError as exc:
                failure = exc
                logger.warning("Xero did not answer a quote request; it can be sent again",
                               extra={"quote_request_id": request.pk, "error": type(exc).__name__})
            else:
                quote_sync.quotes_apply(connection_id=request.connection_id, quotes=[made], now=clock())
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
    matching rules pick for it, now linked; else a new Xero contact, created and linked."""
    contact_id = request.opportunity.contact_id
    link = XeroContact.objects.filter(connection_id=request.connection_id, contact_id=contact_id,
                                      link_state=XeroContact.LinkState.LINKED).first()
    if link is not None:
        return link.xero_id
    known = contact_sync.xero_contact_matching(connection_id=request.connection_id, contact_id=contact_id)
    if known is not None:
        contact_sync.contact_link(xero_contact=known, contact_id=contact_id)
        logger.info("Contact linked to its Xero copy for a quote", extra={"quote_request_id": request.pk})
        return known.xero_id
    contact = Contact.objects.prefetch_related("emails", "phones", "addresses").get(pk=contact_id)
    element = schemas.contact_change_json(push_sync.contact_change(contact, xero_id=""))
    del element["ContactID"]
    try:
        made = xero.contact_create(element, idempotency_key=f"{request.idempotency_key}-contact")
    except schemas.SchemaError as exc:  # made, but unreadable: the retry replays the answer under the same key
        raise client.XeroUnavailable(f"Xero answered PUT Contacts with {exc.reason}") from exc
    contact_sync.xero_contacts_store(connection_id=request.connection_id, records=[made])
    mirror = XeroContact.objects.get(connection_id=request.connection_id, xero_id=made.contact_id)
    contact_sync.contact_link(xero_contact=mirror, contact_id=contact_id)
    logger.info("Contact created in Xero for a quote", extra={"quote_request_id": request.pk, "contact_id": contact_id})
    return made.contact_id

