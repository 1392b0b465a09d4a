"""The only code that talks HTTP to Xero (or the Xero sandbox, which answers at the same paths).

Every call has a timeout; every failure becomes one of the XeroError subclasses below, so callers handle
named outcomes rather than HTTP details. auth.py decides when to refresh tokens; this module only sends.
"""

import base64
import hashlib
import itertools
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings
from oauthlib.oauth2 import InvalidClientError, InvalidGrantError, OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from integrations.xero import in_flight, schemas

logger = logging.getLogger(__name__)

TIMEOUT = (5, 30)  # connect, read (seconds)
PAGE_SIZE = 1000  # Xero's maximum pageSize (README section 4), on Contacts, Invoices, CreditNotes and Payments
QUOTES_PAGE_SIZE = 100  # Quotes take `page` only, at Xero's fixed 100 a page
# GUIDs per IDs/ContactIDs parameter. Each costs 39 characters of query (36 + an encoded comma); Xero runs on IIS,
# whose default query-string limit is 2,048 characters (unverified for Xero), so 40 ids (~1.6 KB) leave room for
# the other parameters. When two id lists are sent together the budget is shared.
IDS_PER_CALL = 40
IDEMPOTENCY_KEY_MAX = 128  # ACC#/components/parameters/idempotencyKey
CONTACTS_PER_WRITE = 50  # "batches of about 50 elements" (README section 4, Xero's limits page)


class XeroError(Exception):
    """Base of every failure talking to Xero."""


class XeroUnavailable(XeroError):
    """Xero did not answer usefully: 5xx, a timeout, a reset connection, or a body that is not JSON."""


class RateLimited(XeroError):
    """A 429. Waiting `retry_after` seconds is the caller's job (sync paces itself); the client never sleeps."""

    def __init__(self, *, retry_after: int, problem: str) -> None:
        super().__init__(f"Xero rate limit reached ({problem or 'unknown'}); retry after {retry_after} s")
        self.retry_after = retry_after
        self.problem = problem


class TokenExpired(XeroError):
    """The access token was refused as expired (refresh once, then retry)."""


class ReconnectNeeded(XeroError):
    """The consent is gone (invalid_grant, revoked, or the organisation disconnected): an admin must reconnect."""


class OrganisationAccessRemoved(ReconnectNeeded):
    """Xero refused the organisation to a token it still accepts (403): its access was removed in Xero."""


class PermissionMissing(ReconnectNeeded):
    """Xero refused the call because the consent lacks the scope it needs (401 AuthorizationUnsuccessful)."""


class XeroValidationError(XeroError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages) or "Xero refused the request")
        self.messages = messages


class XeroNotFound(XeroError):
    """Xero has no such record or connection (404)."""


class XeroConfigurationError(XeroError):
    """Capsync's Xero app credentials are wrong (invalid_client)."""


def pkce_pair() -> tuple[str, str]:
    """A new PKCE (code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _decode_json(response: requests.Response) -> Any:
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise XeroUnavailable(
            f"Xero answered {response.status_code} with a body that is not JSON "
            f"({response.headers.get('Content-Type', 'no content type')})"
        ) from exc


def json_bytes(value: Any) -> bytes:
    """JSON for a write body, with Decimal amounts written as exact numbers (json.dumps would need floats)."""

    def encode(item: Any) -> str:
        if isinstance(item, Decimal):
            return format(item, "f")
        if isinstance(item, dict):
            return "{" + ",".join(f"{json.dumps(str(key))}:{encode(val)}" for key, val in item.items()) + "}"
        if isinstance(item, list | tuple):
            return "[" + ",".join(encode(val) for val in item) + "]"
        return json.dumps(item)

    return encode(value).encode()


def _raise_for_response(response: requests.Response) -> None:
    """Turn a non-2xx answer into the matching XeroError."""
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        retry_after = response.headers.get("Retry-After", "")
        raise RateLimited(
            retry_after=int(retry_after) if retry_after.strip().isdigit() else 60,
            problem=response.headers.get("X-Rate-Limit-Problem", ""),
        )
    if status >= 500:
        content_type = response.headers.get("Content-Type", "")
        if "json" in content_type:
            raise XeroUnavailable(f"Xero answered {status}")
        # A maintenance or proxy error page: say so, the page itself is no use to anyone.
        raise XeroUnavailable(
            f"Xero answered {status} with a body that is not JSON ({content_type or 'no content type'})"
        )
    detail = ""
    if "json" in response.headers.get("Content-Type", ""):
        body = _decode_json(response)
        if isinstance(body, dict):
            detail = str(body.get("Detail") or body.get("Message") or body.get("error") or "")
            if status == 400 and body.get("Elements"):
                raise XeroValidationError(
                    [
                        str(error.get("Message", ""))
                        for element in body["Elements"]
                        for error in element.get("ValidationErrors", [])
                    ]
                )
    if status == 401 and detail.startswith("TokenExpired"):
        raise TokenExpired(detail)
    if status == 403:
        raise OrganisationAccessRemoved(f"Xero refused access to the organisation (403 {detail or 'no detail'})")
    if status == 401 and detail == "AuthorizationUnsuccessful":
        raise PermissionMissing("Xero refused a call the consent has no permission (scope) for "
                                "(401 AuthorizationUnsuccessful)")
    if status == 401:
        raise ReconnectNeeded(f"Xero refused access ({status} {detail or 'no detail'})")
    if status == 400:
        raise XeroValidationError([detail] if detail else [])
    if status == 404:
        raise XeroNotFound(f"Xero has no {response.url.rsplit('/', 1)[-1]!r}")
    raise XeroError(f"Xero answered {status} {detail}".strip())


class XeroIdentity:
    """Xero's identity service: authorise, exchange codes, refresh and revoke tokens, list connections."""

    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self._auth = HTTPBasicAuth(client_id, client_secret)
        self.authorize_url = f"{settings.XERO_LOGIN_URL}/identity/connect/authorize"
        self.token_url = f"{settings.XERO_IDENTITY_URL}/connect/token"
        self.revocation_url = f"{settings.XERO_IDENTITY_URL}/connect/revocation"
        self.connections_url = f"{settings.XERO_API_URL}/connections"

    def authorization_url(self, *, state: str, code_challenge: str) -> str:
        session = OAuth2Session(self.client_id, redirect_uri=self.redirect_uri, scope=settings.XERO_SCOPES)
        url, _ = session.authorization_url(
            self.authorize_url, state=state, code_challenge=code_challenge, code_challenge_method="S256"
        )
        return url

    def _token_call(self, action: str, **kwargs: Any) -> dict[str, Any]:
        session = OAuth2Session(self.client_id, redirect_uri=self.redirect_uri, scope=settings.XERO_SCOPES)
        try:
            if action == "exchange":
                return dict(session.fetch_token(self.token_url, auth=self._auth, timeout=TIMEOUT, **kwargs))
            return dict(session.refresh_token(self.token_url, auth=self._auth, timeout=TIMEOUT, **kwargs))
        except InvalidGrantError as exc:
            raise ReconnectNeeded("Xero no longer accepts this consent (invalid_grant)") from exc
        except InvalidClientError as exc:
            raise XeroConfigurationError("Xero refused Capsync's client id or secret (invalid_client)") from exc
        except OAuth2Error as exc:
            raise XeroError(f"Xero's token endpoint refused the request ({exc.error})") from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise XeroUnavailable(f"Xero's token endpoint did not answer ({type(exc).__name__})") from exc
        except ValueError as exc:  # oauthlib could not parse the body (an HTML error page, say)
            raise XeroUnavailable("Xero's token endpoint answered with something that is not a token") from exc

    def exchange_code(self, *, code: str, code_verifier: str, now: datetime) -> schemas.TokenSet:
        token = self._token_call("exchange", code=code, code_verifier=code_verifier, include_client_id=False)
        return schemas.token_set(token, now=now)

    def refresh(self, *, refresh_token: str, now: datetime) -> schemas.TokenSet:
        token = self._token_call("refresh", refresh_token=refresh_token)
        return schemas.token_set(token, now=now)

    def revoke(self, *, refresh_token: str) -> None:
        try:
            response = requests.post(
                self.revocation_url, data={"token": refresh_token}, auth=self._auth, timeout=TIMEOUT
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise XeroUnavailable("Xero's revocation endpoint did not answer") from exc
        _raise_for_response(response)

    def connections(self, *, access_token: str, auth_event_id: str = "") -> list[schemas.TenantConnection]:
        params = {"authEventId": auth_event_id} if auth_event_id else None
        response = self._bearer("GET", self.connections_url, access_token=access_token, params=params)
        return schemas.tenant_connections(_decode_json(response))

    def disconnect(self, *, access_token: str, connection_id: str) -> None:
        """Remove one organisation's connection at Xero. An unknown connection counts as already removed."""
        try:
            self._bearer("DELETE", f"{self.connections_url}/{connection_id}", access_token=access_token)
        except XeroNotFound:
            logger.info("Xero connection was already removed", extra={"xero_connection_id": connection_id})

    def _bearer(self, method: str, url: str, *, access_token: str, **kwargs: Any) -> requests.Response:
        try:
            response = requests.request(
                method, url, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                timeout=TIMEOUT, **kwargs,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise XeroUnavailable(f"Xero did not answer {method} {url.rsplit('/', 1)[-1]}") from exc
        _raise_for_response(response)
        return response


def identity_from_settings(*, redirect_uri: str = "") -> XeroIdentity:
    """Capsync's Xero app. The redirect URI matters only to the wizard; refreshing tokens does not use it."""
    redirect_uri = redirect_uri or f"{settings.SITE_URL}/integrations/xero/callback/"
    return XeroIdentity(
        client_id=settings.XERO_CLIENT_ID, client_secret=settings.XERO_CLIENT_SECRET, redirect_uri=redirect_uri
    )


@dataclass(frozen=True)
class RateLimits:
    """What Xero said is left of the tenant's minute and day allowances and the app's minute allowance.

    None until a response carried the header (401/403 answers carry none).
    """

    minute_remaining: int | None = None
    day_remaining: int | None = None
    app_minute_remaining: int | None = None


_LIMIT_HEADERS = {
    "minute_remaining": "X-MinLimit-Remaining",
    "day_remaining": "X-DayLimit-Remaining",
    "app_minute_remaining": "X-AppMinLimit-Remaining",
}


def if_modified_since(moment: datetime) -> str:
    """The If-Modified-Since header for an aware moment: UTC, floored to the second, e.g. 2026-01-01T12:00:00+00:00.

    Xero documents the header as UTC, accurate to the second (README section 4). The spec types it `date-time`
    (RFC 3339, which needs an offset), and xero-python sends `isoformat()` of the datetime it is given, so this is
    what Xero's own SDK sends for an aware UTC moment. Flooring can only return a record twice (upserts are
    idempotent), never skip one.
    """
    if moment.tzinfo is None:
        raise ValueError("If-Modified-Since needs an aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _chunks(ids: list[str], size: int) -> list[list[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


class XeroClient:
    """Xero's accounting API for one organisation.

    `access_token` is a callable given the token that was just refused (or "" for the first call); auth.py
    supplies it, refreshing under its lock. A 401 TokenExpired is answered with one refresh and one retry.
    List calls are generators yielding one typed `schemas.Page` per HTTP call; nothing is fetched until the first
    page is asked for. `calls` counts HTTP calls and `limits` holds the latest rate-limit headers, for the sync
    health page. Errors are the XeroError subclasses above; the client never retries or waits on a 429. Each call
    holds one of the organisation's five call slots (in_flight.py), so parallel workers never exceed Xero's
    concurrent limit.
    """

    def __init__(
        self, *, tenant_id: str, access_token: Callable[[str], str], timeout: tuple[float, float] = TIMEOUT
    ) -> None:
        self.tenant_id = tenant_id
        self._access_token = access_token
        self._session = requests.Session()
        self._timeout = timeout
        self.base_url = f"{settings.XERO_API_URL}/api.xro/2.0"
        self.calls = 0
        self.limits = RateLimits()

    def _send(self, method: str, path: str, *, token: str, **kwargs: Any) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "xero-tenant-id": self.tenant_id,
            "Accept": "application/json",
            **kwargs.pop("headers", {}),
        }
        self.calls += 1
        try:
            with in_flight.call_slot(self.tenant_id):
                response = self._session.request(
                    method, f"{self.base_url}/{path}", headers=headers, timeout=self._timeout, **kwargs
                )
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise XeroUnavailable(f"Xero did not answer {method} {path} ({type(exc).__name__})") from exc
        except in_flight.NoSlotFree as exc:
            raise XeroUnavailable(f"Xero was not called ({exc}): too many calls to this organisation") from exc
        self._read_limits(response)
        return response

    def _read_limits(self, response: requests.Response) -> None:
        seen: dict[str, int] = {}
        for field, header in _LIMIT_HEADERS.items():
            value = response.headers.get(header, "").strip()
            if value.isdigit():
                seen[field] = int(value)
        if seen:
            self.limits = replace(self.limits, **seen)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one accounting call and return its decoded JSON (amounts as Decimal).

        Raises TokenExpired only if the refreshed token is refused too, RateLimited on a 429, XeroUnavailable on a
        5xx, a timeout, a reset or a body that is not JSON, and the other XeroErrors per `_raise_for_response`.
        """
        token = self._access_token("")
        response = self._send(method, path, token=token, **kwargs)
        try:
            _raise_for_response(response)
        except TokenExpired:
            response = self._send(method, path, token=self._access_token(token), **kwargs)
            _raise_for_response(response)
        return _decode_json(response)

    def organisation(self) -> schemas.Organisation:
        """GET /Organisation: the organisation's name, currency and timezone."""
        return schemas.organisation(self.request("GET", "Organisation"))

    # ----- list calls -----

    def _pages[T](
        self,
        path: str,
        *,
        collection: str,
        id_field: str,
        parse: Callable[[schemas.Record], T],
        modified_since: datetime | None,
        params: dict[str, str],
        id_lists: dict[str, list[str]],
        page_size: int | None,
        start_page: int,
    ) -> Iterator[schemas.Page[T]]:
        """Yield each page of a list call, stopping after a short page or at Xero's pageCount.

        With id lists, each chunk of ids is one call (a chunk never fills a page) and `Page.page` counts those calls
        (1-based, `page_count` = number of calls), so `start_page` resumes at a chunk. Two lists (IDs and
        ContactIDs) share the IDS_PER_CALL budget and every pair of their chunks is asked for, which keeps Xero's
        AND of the two filters.
        """
        headers = {"If-Modified-Since": if_modified_since(modified_since)} if modified_since else {}
        sizing = {"pageSize": str(page_size)} if page_size else {}
        if id_lists:
            size = IDS_PER_CALL // len(id_lists)
            calls = list(itertools.product(*(_chunks(ids, size) for ids in id_lists.values())))
            for number, chunks in enumerate(calls, start=1):
                if number < start_page:
                    continue
                ids_query = {name: ",".join(chunk) for name, chunk in zip(id_lists, chunks, strict=True)}
                body = self.request("GET", path, params={**params, **ids_query, "page": "1", **sizing}, headers=headers)
                page = self._page(body, collection=collection, id_field=id_field, parse=parse, page=number)
                yield replace(page, page_count=len(calls))
            return
        # Page by an id, which never changes: ordered by UpdatedDateUTC (Xero's usual order), a record edited
        # between two page calls would move to the end and push an unchanged one back onto a page already read.
        params = {"order": f"{id_field} ASC", **params}
        number = max(start_page, 1)
        while True:
            body = self.request("GET", path, params={**params, "page": str(number), **sizing}, headers=headers)
            page = self._page(body, collection=collection, id_field=id_field, parse=parse, page=number)
            yield page
            size = page_size or QUOTES_PAGE_SIZE
            if len(page.records) + len(page.errors) < size:
                return
            if page.page_count is not None and number >= page.page_count:
                return
            number += 1

    def _page[T](
        self, body: Any, *, collection: str, id_field: str, parse: Callable[[schemas.Record], T], page: int
    ) -> schemas.Page[T]:
        try:
            result = schemas.page_of(body, collection=collection, id_field=id_field, parse=parse, page=page)
        except schemas.SchemaError as exc:
            raise XeroUnavailable(f"Xero answered GET {collection} page {page} with {exc.reason}") from exc
        extra = {"tenant_id": self.tenant_id, "resource": collection, "page": page,
                 "records": len(result.records), "errors": len(result.errors)}
        logger.debug("Read a page from Xero", extra=extra)
        if result.errors:
            logger.warning("Xero records did not parse",
                           extra={**extra, "record_ids": [error.record_id for error in result.errors]})
        return result

    def contacts(
        self,
        *,
        modified_since: datetime | None,
        ids: list[str] | None = None,
        include_archived: bool = True,
        start_page: int = 1,
    ) -> Iterator[schemas.Page[schemas.XeroContact]]:
        """GET /Contacts, 1,000 a page, changed after `modified_since` (None: all), optionally only `ids`.

        Archived contacts are included unless `include_archived` is False (Xero hides them by default).
        """
        params = {"includeArchived": "true"} if include_archived else {}
        return self._pages("Contacts", collection="Contacts", id_field="ContactID", parse=schemas.contact,
                           modified_since=modified_since, params=params, id_lists={"IDs": ids} if ids else {},
                           page_size=PAGE_SIZE, start_page=start_page)

    def invoices(
        self,
        *,
        modified_since: datetime | None,
        ids: list[str] | None = None,
        contact_ids: list[str] | None = None,
        statuses: list[schemas.InvoiceStatus] | None = None,
        where: str | None = None,
        start_page: int = 1,
    ) -> Iterator[schemas.Page[schemas.XeroInvoice]]:
        """GET /Invoices, 1,000 a page with line items, filtered by any of the arguments (they combine with AND).

        `ids` and `contact_ids` are split into calls of at most IDS_PER_CALL ids between them.
        """
        params = {"Statuses": ",".join(statuses)} if statuses else {}
        if where:
            params["where"] = where
        id_lists = {name: value for name, value in (("IDs", ids), ("ContactIDs", contact_ids)) if value}
        return self._pages("Invoices", collection="Invoices", id_field="InvoiceID", parse=schemas.invoice,
                           modified_since=modified_since, params=params, id_lists=id_lists, page_size=PAGE_SIZE,
                           start_page=start_page)

    def credit_notes(
        self, *, modified_since: datetime | None, ids: list[str] | None = None, where: str | None = None,
        start_page: int = 1,
    ) -> Iterator[schemas.Page[schemas.XeroCreditNote]]:
        """GET /CreditNotes, 1,000 a page, changed after `modified_since` (None: all), optionally only `ids`."""
        return self._pages("CreditNotes", collection="CreditNotes", id_field="CreditNoteID",
                           parse=schemas.credit_note, modified_since=modified_since,
                           params={"where": where} if where else {}, id_lists={"IDs": ids} if ids else {},
                           page_size=PAGE_SIZE, start_page=start_page)

    def payments(
        self, *, modified_since: datetime | None, where: str | None = None, start_page: int = 1
    ) -> Iterator[schemas.Page[schemas.XeroPayment]]:
        """GET /Payments, 1,000 a page, changed after `modified_since` (None: all)."""
        return self._pages("Payments", collection="Payments", id_field="PaymentID", parse=schemas.payment,
                           modified_since=modified_since, params={"where": where} if where else {}, id_lists={},
                           page_size=PAGE_SIZE, start_page=start_page)

    def quotes(
        self, *, modified_since: datetime | None, contact_id: str | None = None, start_page: int = 1
    ) -> Iterator[schemas.Page[schemas.XeroQuote]]:
        """GET /Quotes, Xero's fixed 100 a page (no pageSize, no pagination object), optionally for one contact."""
        return self._pages("Quotes", collection="Quotes", id_field="QuoteID", parse=schemas.quote,
                           modified_since=modified_since, params={"ContactID": contact_id} if contact_id else {},
                           id_lists={}, page_size=None, start_page=start_page)

    # ----- writes -----

    def _contact_write(self, method: str, path: str, contact: dict[str, Any], **kwargs: Any) -> schemas.XeroContact:
        body = self.request(method, path, json={"Contacts": [contact]}, **kwargs)
        result = schemas.only(body, collection="Contacts", parse=schemas.contact)
        logger.info("Wrote a contact to Xero", extra={"tenant_id": self.tenant_id, "xero_contact_id": result.contact_id,
                                                      "method": method})
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
        logger.info("Wrote contacts to Xero", extra={"tenant_id": self.tenant_id, "contacts": len(results),
                                                     "refused": sum(result.refused for result in results)})
        return results

    def contact_create(self, contact: dict[str, Any], *, idempotency_key: str) -> schemas.XeroContact:
        """PUT /Contacts (create only) with an Idempotency-Key, so a retried create makes one contact.

        Raises XeroValidationError with Xero's messages (e.g. the name is taken), and SchemaError if Xero's answer
        cannot be read (the contact was made).
        """
        if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
            raise ValueError(f"idempotency_key must be 1 to {IDEMPOTENCY_KEY_MAX} characters")
        return self._contact_write("PUT", "Contacts", contact, headers={"Idempotency-Key": idempotency_key})

    def quote_create(self, quote: dict[str, Any], *, idempotency_key: str) -> schemas.XeroQuote:
        """PUT /Quotes (create only) with an Idempotency-Key: sent again with the same key and body, Xero answers
        with the quote it made the first time instead of making another.

        Raises XeroValidationError with Xero's messages when Xero refuses it (nothing is made), and XeroUnavailable
        when no answer came or it cannot be read (the quote may have been made: repeat the call with the same key).
        """
        if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
            raise ValueError(f"idempotency_key must be 1 to {IDEMPOTENCY_KEY_MAX} characters")
        body = self.request("PUT", "Quotes", data=json_bytes({"Quotes": [quote]}),
                            headers={"Idempotency-Key": idempotency_key, "Content-Type": "application/json"})
        try:
            result = schemas.only(body, collection="Quotes", parse=schemas.quote)
        except schemas.SchemaError as exc:
            raise XeroUnavailable(f"Xero answered PUT Quotes with {exc.reason}") from exc
        logger.info("Created a quote in Xero", extra={"tenant_id": self.tenant_id, "xero_quote_id": result.quote_id})
        return result
