"""Responses: a page of records from a list call (bad records kept for the quarantine), or a write's one record."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.xero.schemas.fields import Record, SchemaError, _object, msdate_datetime


@dataclass(frozen=True)
class RecordError:
    """A record that did not parse, kept whole (`payload`) for the quarantine."""

    record_id: str
    reason: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Page[T]:
    """One response of a list call. `page_count` is Xero's pagination.pageCount where Xero gives one (None on
    Quotes); `server_time` is the envelope's DateTimeUTC, Xero's clock when it answered."""

    records: list[T]
    errors: list[RecordError]
    page: int
    page_count: int | None
    server_time: datetime
    # The ids of every record in the answer, read or not (lower case): what Xero actually returned.
    record_ids: frozenset[str] = frozenset()


def _collection(payload: object, collection: str) -> tuple[Record, list[Any]]:
    if not isinstance(payload, dict):
        raise SchemaError("the response is not a JSON object")
    items = payload.get(collection)
    if not isinstance(items, list):
        raise SchemaError(f"the response has no {collection} list")
    return payload, items


def page_of[T](payload: object, *, collection: str, id_field: str, parse: Callable[[Record], T], page: int) -> Page[T]:
    """Parse a list response (`{"DateTimeUTC": ..., "pagination": {...}, "<collection>": [...]}`).

    Records that fail to parse become `errors`, so one bad record never sinks the page. Raises SchemaError (without
    a record id) only when the envelope itself is unusable: not an object, no list, no valid DateTimeUTC.
    """
    envelope, items = _collection(payload, collection)
    server_time = msdate_datetime(envelope.get("DateTimeUTC"), field="DateTimeUTC")
    page_count = _object(envelope, "pagination", record_id="").get("pageCount")
    if page_count is not None and (isinstance(page_count, bool) or not isinstance(page_count, int)):
        raise SchemaError(f"pagination.pageCount is not a number: {page_count!r}")
    records: list[T] = []
    errors: list[RecordError] = []
    for item in items:
        try:
            records.append(parse(item))
        except SchemaError as exc:
            payload_kept = item if isinstance(item, dict) else {"value": item}
            record_id = exc.record_id or str(payload_kept.get(id_field) or "")
            errors.append(RecordError(record_id=record_id, reason=exc.reason, payload=payload_kept))
    record_ids = frozenset(str(item.get(id_field) or "").lower() for item in items if isinstance(item, dict))
    return Page(
        records=records,
        errors=errors,
        page=page,
        page_count=page_count,
        server_time=server_time,
        record_ids=record_ids - {""},
    )


def only[T](payload: object, *, collection: str, parse: Callable[[Record], T]) -> T:
    """The single record of a write's answer (`{"Contacts": [{...}]}`). Raises SchemaError."""
    _, items = _collection(payload, collection)
    if len(items) != 1:
        raise SchemaError(f"expected one element in {collection}, got {len(items)}")
    return parse(items[0])
