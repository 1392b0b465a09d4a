"""Making a document in Xero once per form submission: quotes and invoices share this mechanism.

Each rendering of a "Create ... in Xero" form carries a fresh `submission_key`. Its first POST records a
CreateRequest under that key (`request_open`); every POST with the same key (a double click, a concurrent post, a
retry after Xero's answer was lost) works on that same row, under its lock (`request_send`), and sends Xero the same
body with the same Idempotency-Key, so Xero makes one document and answers the retry with it. A contact not yet in
that organisation is created there first (idempotently too) and linked. What differs by kind of document (the body,
the call, the mirror it is stored in) is a `Maker`.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction

from accounts.models import User
from integrations.xero import auth, client, ownership, schemas
from integrations.xero.models import CreateRequest, XeroContact
from integrations.xero.sync import contacts as contact_sync
from integrations.xero.sync import names, reconcile
from integrations.xero.sync.matching import contact_number_for
from opportunities.models import Opportunity

logger = logging.getLogger(__name__)


class DocumentRefused(Exception):
    """Xero refused the document (validation). Nothing was made; a new submission may try again."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


class SubmissionMismatch(Exception):
    """The submission key was already used for another opportunity (or another kind of document)."""


@dataclass(frozen=True)
class Maker:
    """One kind of document. `send(xero, request, xero_contact_id)` asks Xero to make it under the request's
    Idempotency-Key and returns Xero's record; `store(request, record, now)` mirrors that record and returns the
    ledger row, which is kept on the request's `kind` field."""

    kind: str
    noun: str
    send: Callable[[client.XeroClient, CreateRequest, str], Any]
    store: Callable[[CreateRequest, Any, datetime], models.Model]


def request_open(
    *,
    kind: str,
    submission_key: uuid.UUID,
    opportunity: Opportunity,
    user: User,
    connection_id: int,
    form: dict,
    check_new: Callable[[], None],
    clock: Callable[[], datetime],
) -> CreateRequest:
    """The request of this submission: the one recorded under its key, else a new one after `check_new()` (which
    raises to refuse a new submission, e.g. an organisation not offered). Raises SubmissionMismatch when the key
    belongs to another opportunity or kind."""
    request = CreateRequest.objects.filter(submission_key=submission_key).first()
    if request is None:
        check_new()
        request, _ = CreateRequest.objects.get_or_create(
            submission_key=submission_key,
            defaults={
                "kind": kind,
                "connection_id": connection_id,
                "opportunity": opportunity,
                "requested_by": user,
                "form": form,
                "created_at": clock(),
            },
        )
    if request.opportunity_id != opportunity.pk or request.kind != kind:
        raise SubmissionMismatch("This form was submitted for another opportunity.")
    return request


def request_send(
    *, request_id: int, maker: Maker, identity: client.XeroIdentity, clock: Callable[[], datetime]
) -> models.Model:
    """Send the request's document to Xero under its lock, so concurrent submissions of one key wait for each other,
    and return the ledger row it was mirrored as.

    Raises DocumentRefused (Xero's validation messages; the submission is spent) or a client.XeroError when Xero
    could not be reached or gave no answer (the same request may be sent again: it will not make a second one).
    Links made on the way (a contact created in Xero) are kept whatever happens to the document: a retry reuses them.
    """
    refused: list[str] | None = None
    failure: client.XeroError | None = None
    # A token refresh commits on its own, before the lock: a rotated refresh token must never ride on this
    # transaction, and the grant's row lock must not be held while Xero is asked for the document.
    grant_id = CreateRequest.objects.values_list("connection__grant_id", flat=True).get(pk=request_id)
    if grant_id is None:
        raise client.ReconnectNeeded("This Xero organisation is disconnected.")
    auth.grant_access_token(grant_id=grant_id, identity=identity, now=clock())
    with transaction.atomic():
        request = (
            CreateRequest.objects.select_for_update().select_related("connection", "opportunity").get(pk=request_id)
        )
        made_before = getattr(request, maker.kind)  # its own query: FOR UPDATE cannot take a nullable join
        if request.status == CreateRequest.Status.CREATED and made_before is not None:
            return made_before
        if request.status == CreateRequest.Status.FAILED:
            refused = request.errors
        else:
            xero = auth.client_for(connection=request.connection, identity=identity, clock=clock)
            try:
                with transaction.atomic():
                    xero_contact_id = _xero_contact_id(request, xero=xero)
                record = maker.send(xero, request, xero_contact_id)
            except (client.XeroValidationError, names.NameTaken) as exc:
                if isinstance(exc, names.NameTaken):
                    refused = names.name_taken_record(exc)
                else:
                    refused = exc.messages or [f"Xero refused the {maker.noun} without saying why."]
                request.status, request.errors, request.finished_at = CreateRequest.Status.FAILED, refused, clock()
                request.save(update_fields=["status", "errors", "finished_at"])
                logger.info("Xero refused a document", extra={"create_request_id": request.pk, "kind": maker.kind})
            except client.XeroError as exc:
                failure = exc
                logger.warning(
                    "Xero did not answer a document request; it can be sent again",
                    extra={"create_request_id": request.pk, "kind": maker.kind, "error": type(exc).__name__},
                )
            else:
                document = maker.store(request, record, clock())
                setattr(request, maker.kind, document)
                request.status, request.finished_at = CreateRequest.Status.CREATED, clock()
                request.save(update_fields=["status", maker.kind, "finished_at"])
                logger.info(
                    "Document created in Xero",
                    extra={"create_request_id": request.pk, "kind": maker.kind, "document_id": document.pk},
                )
                return document
    if refused is not None:
        raise DocumentRefused(refused)
    assert failure is not None
    raise failure


def _xero_contact_id(request: CreateRequest, *, xero: client.XeroClient) -> str:
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
        logger.info("Contact linked to its Xero copy for a document", extra={"create_request_id": request.pk})
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
    logger.info(
        "Contact created in Xero for a document", extra={"create_request_id": request.pk, "contact_id": contact_id}
    )
    return made.contact_id
