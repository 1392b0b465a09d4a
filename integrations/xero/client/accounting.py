"""Xero's accounting API for one organisation: typed reads driven by the resource table (the writes Capsync makes
are `writes.AccountingWrites`, which `XeroClient` inherits)."""

import copy
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from integrations.xero import schemas
from integrations.xero.client.errors import TokenExpired, XeroNotFound, XeroUnavailable
from integrations.xero.client.jsonwire import decode_json
from integrations.xero.client.resources import (
    ACCOUNTS,
    CONTACTS,
    CREDIT_NOTES,
    IDS_PER_CALL,
    INVOICES,
    ITEMS,
    PAYMENTS,
    QUOTES,
    QUOTES_PAGE_SIZE,
    TAX_RATES,
    TRACKING_CATEGORIES,
    Resource,
)
from integrations.xero.client.transport import TIMEOUT, RateLimits, Transport
from integrations.xero.client.writes import AccountingWrites

logger = logging.getLogger(__name__)


def if_modified_since(moment: datetime) -> str:
    """The If-Modified-Since header for an aware moment: UTC, floored to the second, e.g. 2026-01-01T12:00:00+00:00.

    Xero documents the header as UTC, accurate to the second. The spec types it `date-time` (RFC 3339, which needs
    an offset), and xero-python sends `isoformat()` of the datetime it is given, so this is what Xero's own SDK
    sends for an aware UTC moment. Flooring can only return a record twice (upserts are idempotent), never skip one.
    """
    if moment.tzinfo is None:
        raise ValueError("If-Modified-Since needs an aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _chunks(ids: list[str], size: int) -> list[list[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


class XeroClient(AccountingWrites):
    """Xero's accounting API for one organisation.

    `access_token` is a callable given the token that was just refused (or "" for the first call); auth.py
    supplies it, refreshing under its lock. A 401 TokenExpired is answered with one refresh and one retry.
    List calls are generators yielding one typed `schemas.Page` per HTTP call; nothing is fetched until the first
    page is asked for. `calls` counts HTTP calls and `limits` holds the latest rate-limit headers, for the sync
    health page; `pace` is called before every call. Errors are the XeroError subclasses of `errors.py`; the
    client never retries or waits on a 429. Each call holds one of the organisation's five call slots
    (in_flight.py), so parallel workers never exceed Xero's concurrent limit.
    """

    def __init__(
        self, *, tenant_id: str, access_token: Callable[[str], str], timeout: tuple[float, float] = TIMEOUT
    ) -> None:
        self.tenant_id = tenant_id
        self._access_token = access_token
        self._transport = Transport(tenant_id=tenant_id, timeout=timeout)
        self.base_url = f"{settings.XERO_API_URL}/api.xro/2.0"

    @property
    def calls(self) -> int:
        return self._transport.calls

    @property
    def limits(self) -> RateLimits:
        return self._transport.limits

    @property
    def pace(self) -> Callable[[], None]:
        return self._transport.pace

    @pace.setter
    def pace(self, hook: Callable[[], None]) -> None:
        self._transport.pace = hook

    def pinned(self) -> "XeroClient":
        """A twin of this client for threads that must not touch the database (where tokens are kept).

        It sends the access token this client would send now (fetched here, in the calling thread) and shares
        this client's transport: its call count, limits, `pace` hook and call slots. When Xero refuses that token
        the twin raises TokenExpired instead of refreshing; the caller refreshes through this client and pins
        again.
        """
        token = self._access_token("")

        def fixed(refused: str) -> str:
            if refused:
                raise TokenExpired("The pinned access token was refused")
            return token

        twin = copy.copy(self)
        twin._access_token = fixed
        return twin

    def request(self, method: str, path: str, *, json: Any = None, **kwargs: Any) -> Any:
        """Send one accounting call and return its decoded JSON (amounts as Decimal).

        Raises TokenExpired only if the refreshed token is refused too, RateLimited on a 429, XeroUnavailable on a
        5xx, a timeout, a reset or a body that is not JSON, and the other XeroErrors per the transport.
        """
        headers = kwargs.pop("headers", {})
        url = f"{self.base_url}/{path}"

        def send(token: str) -> Any:
            auth = {"Authorization": f"Bearer {token}", "xero-tenant-id": self.tenant_id}
            return self._transport.request(method, url, headers={**auth, **headers}, json_body=json, **kwargs)

        token = self._access_token("")
        try:
            response = send(token)
        except TokenExpired:
            response = send(self._access_token(token))
        return decode_json(response)

    def organisation(self) -> schemas.Organisation:
        """GET /Organisation: the organisation's name, currency and timezone."""
        return schemas.organisation(self.request("GET", "Organisation"))

    # ----- reads, one loop for every resource -----

    def records[T](
        self,
        resource: Resource[T],
        *,
        modified_since: datetime | None,
        params: dict[str, str] | None = None,
        id_lists: dict[str, list[str]] | None = None,
        start_page: int = 1,
    ) -> Iterator[schemas.Page[T]]:
        """Yield each page of `resource`'s records, stopping after a short page or at Xero's pageCount.

        `params` and the names of `id_lists` must be query parameters the resource takes (ValueError otherwise:
        Xero would ignore them and answer with page 1). With id lists, each chunk of ids is one call (a chunk never
        fills a page) and `Page.page` counts those calls (1-based, `page_count` = number of calls), so `start_page`
        resumes at a chunk. Two lists (IDs and ContactIDs) share the IDS_PER_CALL budget and every pair of their
        chunks is asked for, which keeps Xero's AND of the two filters. Where the resource takes no id list, each
        id is one GET /{path}/{id}; an id Xero does not know yields no page.
        """
        params, id_lists = dict(params or {}), {name: ids for name, ids in (id_lists or {}).items() if ids}
        wanted = set(params) | set(id_lists)
        if resource.id_list == "" and set(id_lists) == {"IDs"}:
            wanted.discard("IDs")  # fetched one at a time instead
        if unknown := wanted - resource.filters:
            raise ValueError(f"GET /{resource.path} takes no {', '.join(sorted(unknown))}: Xero would ignore it")
        if "IDs" in id_lists and resource.id_list == "":
            return self._one_by_one(resource, ids=id_lists["IDs"], start_page=start_page)
        headers = {"If-Modified-Since": if_modified_since(modified_since)} if modified_since else {}
        if resource.page_size:
            params["pageSize"] = str(resource.page_size)
        if id_lists:
            return self._by_id_lists(resource, params=params, id_lists=id_lists, headers=headers, start_page=start_page)
        return self._paged(resource, params=params, headers=headers, start_page=start_page)

    def _paged[T](
        self, resource: Resource[T], *, params: dict[str, str], headers: dict[str, str], start_page: int
    ) -> Iterator[schemas.Page[T]]:
        # Page by an id, which never changes: ordered by UpdatedDateUTC (Xero's usual order), a record edited
        # between two page calls would move to the end and push an unchanged one back onto a page already read.
        if resource.paged:
            params = {"order": f"{resource.id_field} ASC", **params}
        number = max(start_page, 1)
        while True:
            body = self.request("GET", resource.path, params={**params, "page": str(number)}, headers=headers)
            page = self._page(body, resource, page=number)
            yield page
            if not resource.paged:
                return
            if len(page.records) + len(page.errors) < (resource.page_size or QUOTES_PAGE_SIZE):
                return
            if page.page_count is not None and number >= page.page_count:
                return
            number += 1

    def _by_id_lists[T](
        self,
        resource: Resource[T],
        *,
        params: dict[str, str],
        id_lists: dict[str, list[str]],
        headers: dict[str, str],
        start_page: int,
    ) -> Iterator[schemas.Page[T]]:
        size = IDS_PER_CALL // len(id_lists)
        calls = list(itertools.product(*(_chunks(ids, size) for ids in id_lists.values())))
        for number, chunks in enumerate(calls, start=1):
            if number < start_page:
                continue
            ids_query = {name: ",".join(chunk) for name, chunk in zip(id_lists, chunks, strict=True)}
            body = self.request("GET", resource.path, params={**params, **ids_query, "page": "1"}, headers=headers)
            yield replace(self._page(body, resource, page=number), page_count=len(calls))

    def _one_by_one[T](self, resource: Resource[T], *, ids: list[str], start_page: int) -> Iterator[schemas.Page[T]]:
        for number, record_id in enumerate(ids, start=1):
            if number < start_page:
                continue
            try:
                body = self.request("GET", f"{resource.path}/{record_id}")
            except XeroNotFound:
                logger.info(
                    "Xero has no such record",
                    extra={"tenant_id": self.tenant_id, "resource": resource.path, "record_id": record_id},
                )
                continue
            yield replace(self._page(body, resource, page=number), page_count=len(ids))

    def _page[T](self, body: Any, resource: Resource[T], *, page: int) -> schemas.Page[T]:
        try:
            result = schemas.page_of(
                body, collection=resource.path, id_field=resource.id_field, parse=resource.parse, page=page
            )
        except schemas.SchemaError as exc:
            raise XeroUnavailable(f"Xero answered GET {resource.path} page {page} with {exc.reason}") from exc
        extra = {
            "tenant_id": self.tenant_id,
            "resource": resource.path,
            "page": page,
            "records": len(result.records),
            "errors": len(result.errors),
        }
        logger.debug("Read a page from Xero", extra=extra)
        if result.errors:
            logger.warning(
                "Xero records did not parse",
                extra={**extra, "record_ids": [error.record_id for error in result.errors]},
            )
        return result

    def contacts(
        self,
        *,
        modified_since: datetime | None,
        ids: list[str] | None = None,
        include_archived: bool = True,
        summary_only: bool = False,
        start_page: int = 1,
        search_term: str = "",
    ) -> Iterator[schemas.Page[schemas.XeroContact]]:
        """GET /Contacts, 1,000 a page, changed after `modified_since` (None: all), optionally only `ids`.

        Archived contacts are included unless `include_archived` is False (Xero hides them by default).
        `summary_only` drops phones, addresses and balances (docs/xero.md, "Egress"). `search_term` keeps those
        whose name, names, number or email contain it (Xero's searchTerm, case-insensitive).
        """
        params = {"includeArchived": "true"} if include_archived else {}
        if summary_only:
            params["summaryOnly"] = "true"
        if search_term:
            params["searchTerm"] = search_term
        return self.records(
            CONTACTS, modified_since=modified_since, params=params, id_lists={"IDs": ids or []}, start_page=start_page
        )

    def invoices(
        self,
        *,
        modified_since: datetime | None,
        ids: list[str] | None = None,
        contact_ids: list[str] | None = None,
        statuses: list[schemas.InvoiceStatus] | None = None,
        where: str | None = None,
        summary_only: bool = False,
        start_page: int = 1,
    ) -> Iterator[schemas.Page[schemas.XeroInvoice]]:
        """GET /Invoices, 1,000 a page with line items, filtered by any of the arguments (they combine with AND).

        `ids` and `contact_ids` are split into calls of at most IDS_PER_CALL ids between them. `summary_only`
        drops line items and the payments and credit notes listed inside each invoice (docs/xero.md, "Egress").
        """
        params = {"Statuses": ",".join(statuses)} if statuses else {}
        if where:
            params["where"] = where
        if summary_only:
            params["summaryOnly"] = "true"
        return self.records(
            INVOICES,
            modified_since=modified_since,
            params=params,
            id_lists={"IDs": ids or [], "ContactIDs": contact_ids or []},
            start_page=start_page,
        )

    def credit_notes(
        self,
        *,
        modified_since: datetime | None,
        ids: list[str] | None = None,
        where: str | None = None,
        start_page: int = 1,
    ) -> Iterator[schemas.Page[schemas.XeroCreditNote]]:
        """GET /CreditNotes, 1,000 a page, changed after `modified_since` (None: all); or only `ids`, one
        GET /CreditNotes/{id} each, because the list call has no IDs filter."""
        return self.records(
            CREDIT_NOTES,
            modified_since=modified_since,
            params={"where": where} if where else {},
            id_lists={"IDs": ids or []},
            start_page=start_page,
        )

    def payments(
        self, *, modified_since: datetime | None, where: str | None = None, start_page: int = 1
    ) -> Iterator[schemas.Page[schemas.XeroPayment]]:
        """GET /Payments, 1,000 a page, changed after `modified_since` (None: all)."""
        return self.records(
            PAYMENTS, modified_since=modified_since, params={"where": where} if where else {}, start_page=start_page
        )

    def quotes(
        self, *, modified_since: datetime | None, contact_id: str | None = None, start_page: int = 1
    ) -> Iterator[schemas.Page[schemas.XeroQuote]]:
        """GET /Quotes, Xero's fixed 100 a page (no pageSize, no pagination object), optionally for one contact."""
        return self.records(
            QUOTES,
            modified_since=modified_since,
            params={"ContactID": contact_id} if contact_id else {},
            start_page=start_page,
        )

    def quote_lines(self, quote_id: str) -> list[schemas.InvoiceLine]:
        """GET /Quotes/{QuoteID}: the quote's line items, as invoice lines (Xero has no quote-to-invoice call).

        Raises XeroNotFound for an unknown quote and XeroUnavailable when the answer cannot be read."""
        body = self.request("GET", f"Quotes/{quote_id}")
        try:
            return [schemas.document_line(line) for line in schemas.document_lines(body, collection="Quotes")]
        except schemas.SchemaError as exc:
            raise XeroUnavailable(f"Xero answered GET Quotes/{quote_id} with {exc.reason}") from exc

    # ----- the catalogue: whole lists, one call each -----

    def items(self, *, modified_since: datetime | None) -> schemas.Page[schemas.XeroItem]:
        """GET /Items (every item, unit prices to 4 places), changed after `modified_since` (None: all)."""
        return self._whole(ITEMS, modified_since=modified_since, params={"unitdp": "4"})

    def accounts(self, *, modified_since: datetime | None) -> schemas.Page[schemas.XeroAccount]:
        """GET /Accounts: the chart of accounts, changed after `modified_since` (None: all)."""
        return self._whole(ACCOUNTS, modified_since=modified_since)

    def tax_rates(self) -> schemas.Page[schemas.XeroTaxRate]:
        """GET /TaxRates: every rate, archived ones included (Xero takes no If-Modified-Since here)."""
        return self._whole(TAX_RATES, modified_since=None)

    def tracking_categories(self) -> schemas.Page[schemas.XeroTrackingCategory]:
        """GET /TrackingCategories?includeArchived=true, with their options."""
        return self._whole(TRACKING_CATEGORIES, modified_since=None, params={"includeArchived": "true"})

    def _whole[T](
        self, resource: Resource[T], *, modified_since: datetime | None, params: dict[str, str] | None = None
    ) -> schemas.Page[T]:
        if resource.paged:
            raise ValueError(f"GET /{resource.path} is paged: read it with records()")
        return next(iter(self.records(resource, modified_since=modified_since, params=params)))
