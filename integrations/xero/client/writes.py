"""The writes Capsync makes to Xero's accounting API: contacts, quotes and invoices. `XeroClient` inherits them;
they send through its `request` (token refresh, call slot, pacing, errors)."""

import logging
from typing import Any

from integrations.xero import schemas
from integrations.xero.client.errors import XeroUnavailable

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_MAX = 128  # ACC#/components/parameters/idempotencyKey
CONTACTS_PER_WRITE = 50  # "batches of about 50 elements" (Xero's limits page)


def _idempotency_key_check(key: str) -> None:
    if not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise ValueError(f"idempotency_key must be 1 to {IDEMPOTENCY_KEY_MAX} characters")


class AccountingWrites:
    """Xero's create and update calls. Mixed into `XeroClient`, which supplies `request` and `tenant_id`."""

    tenant_id: str

    def request(self, method: str, path: str, *, json: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _contact_write(self, method: str, path: str, contact: dict[str, Any], **kwargs: Any) -> schemas.XeroContact:
        body = self.request(method, path, json={"Contacts": [contact]}, **kwargs)
        result = schemas.only(body, collection="Contacts", parse=schemas.contact)
        logger.info(
            "Wrote a contact to Xero",
            extra={"tenant_id": self.tenant_id, "xero_contact_id": result.contact_id, "method": method},
        )
        return result

    def contact_update(self, contact: dict[str, Any]) -> schemas.XeroContact:
        """POST /Contacts/{ContactID} with `contact` (Xero's JSON shape, ContactID required); returns Xero's copy.

        Raises XeroValidationError with Xero's messages when Xero refuses it, XeroNotFound for an unknown id, and
        SchemaError if Xero's answer cannot be read (the update was made).
        """
        contact_id = contact.get("ContactID")
        if not contact_id:
            raise ValueError("contact_update needs the contact's ContactID")
        return self._contact_write("POST", f"Contacts/{contact_id}", contact)

    def contacts_update(self, contacts: list[dict[str, Any]]) -> list[schemas.ContactWriteResult]:
        """POST /Contacts?summarizeErrors=false with up to CONTACTS_PER_WRITE contacts (each with its ContactID).

        Xero saves each valid contact even when others in the batch are refused, and answers 200 with every
        element's own outcome; one result per contact comes back, in the order given. Raises XeroUnavailable when
        that answer cannot be read (some contacts may have been saved: the call is safe to repeat).
        """
        if not contacts or len(contacts) > CONTACTS_PER_WRITE:
            raise ValueError(f"contacts_update takes 1 to {CONTACTS_PER_WRITE} contacts, not {len(contacts)}")
        sent_ids = [str(contact.get("ContactID") or "") for contact in contacts]
        if not all(sent_ids):
            raise ValueError("contacts_update needs every contact's ContactID")
        body = self.request("POST", "Contacts", params={"summarizeErrors": "false"}, json={"Contacts": contacts})
        try:
            results = schemas.contact_write_results(body, sent_ids=sent_ids)
        except schemas.SchemaError as exc:
            raise XeroUnavailable(f"Xero answered POST Contacts with {exc.reason}") from exc
        logger.info(
            "Wrote contacts to Xero",
            extra={
                "tenant_id": self.tenant_id,
                "contacts": len(results),
                "refused": sum(result.refused for result in results),
            },
        )
        return results

    def contact_create(self, contact: dict[str, Any], *, idempotency_key: str) -> schemas.XeroContact:
        """PUT /Contacts (create only) with an Idempotency-Key, so a retried create makes one contact.

        Raises XeroValidationError with Xero's messages (e.g. the name is taken), and SchemaError if Xero's answer
        cannot be read (the contact was made).
        """
        _idempotency_key_check(idempotency_key)
        return self._contact_write("PUT", "Contacts", contact, headers={"Idempotency-Key": idempotency_key})

    def quote_create(self, quote: dict[str, Any], *, idempotency_key: str) -> schemas.XeroQuote:
        """PUT /Quotes (create only) with an Idempotency-Key: sent again with the same key and body, Xero answers
        with the quote it made the first time instead of making another.

        Raises XeroValidationError with Xero's messages when Xero refuses it (nothing is made), and XeroUnavailable
        when no answer came or it cannot be read (the quote may have been made: repeat the call with the same key).
        """
        _idempotency_key_check(idempotency_key)
        body = self.request("PUT", "Quotes", json={"Quotes": [quote]}, headers={"Idempotency-Key": idempotency_key})
        try:
            result = schemas.only(body, collection="Quotes", parse=schemas.quote)
        except schemas.SchemaError as exc:
            raise XeroUnavailable(f"Xero answered PUT Quotes with {exc.reason}") from exc
        logger.info("Created a quote in Xero", extra={"tenant_id": self.tenant_id, "xero_quote_id": result.quote_id})
        return result

    def invoice_create(self, invoice: dict[str, Any], *, idempotency_key: str) -> schemas.XeroInvoice:
        """PUT /Invoices (create only) with an Idempotency-Key: sent again with the same key and body, Xero answers
        with the invoice it made the first time instead of making another.

        Raises XeroValidationError with Xero's messages (ValidationException) when Xero refuses it (nothing is
        made), and XeroUnavailable when no answer came or it cannot be read (the invoice may have been made: repeat
        the call with the same key).
        """
        _idempotency_key_check(idempotency_key)
        body = self.request(
            "PUT", "Invoices", json={"Invoices": [invoice]}, headers={"Idempotency-Key": idempotency_key}
        )
        try:
            result = schemas.only(body, collection="Invoices", parse=schemas.invoice)
        except schemas.SchemaError as exc:
            raise XeroUnavailable(f"Xero answered PUT Invoices with {exc.reason}") from exc
        logger.info(
            "Created an invoice in Xero", extra={"tenant_id": self.tenant_id, "xero_invoice_id": result.invoice_id}
        )
        return result
