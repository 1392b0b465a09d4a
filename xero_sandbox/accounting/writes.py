"""PUT/POST mechanics shared by every collection: body shapes, per-element validation, summarizeErrors."""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from xero_sandbox import jsonutil, msdate
from xero_sandbox.accounting.listing import query_bool
from xero_sandbox.accounting.results import (
    ApiResult,
    ElementInvalid,
    RequestInvalid,
    post_data_invalid,
    validation_failed,
)
from xero_sandbox.store import Event, TenantData

Record = dict[str, Any]
# save(element) -> (response record, events); raises ElementInvalid
Saver = Callable[[Record], tuple[Record, list[Event]]]

IDEMPOTENCY_KEY_MAX = 128
IDEMPOTENCY_TTL = timedelta(hours=24)


def parse_elements(body: bytes, collection: str, *, allow_bare: bool = True) -> list[Record]:
    """The elements of a write body: ``{"<collection>": [...]}``, or a single bare object where Xero allows it."""
    if not body.strip():
        raise RequestInvalid(post_data_invalid("The request body is empty."))
    try:
        parsed = jsonutil.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestInvalid(post_data_invalid(f"Invalid JSON: {exc}")) from exc
    if isinstance(parsed, dict) and collection in parsed:
        elements = parsed[collection]
        if isinstance(elements, dict):
            elements = [elements]
    elif isinstance(parsed, dict) and allow_bare:
        elements = [parsed]
    elif isinstance(parsed, list):
        elements = parsed
    else:
        raise RequestInvalid(post_data_invalid(f"Expected an object with a {collection} array."))
    if not isinstance(elements, list) or not all(isinstance(element, dict) for element in elements):
        raise RequestInvalid(post_data_invalid(f"{collection} must be an array of objects."))
    return elements


def require_shapes(
    element: Record, *, strings: tuple[str, ...] = (), objects: tuple[str, ...] = (), lists: tuple[str, ...] = ()
) -> None:
    """Refuse (ElementInvalid) fields of the wrong JSON type before any rule looks at them."""
    for names, kind in ((strings, str), (objects, dict), (lists, list)):
        for name in names:
            value = element.get(name)
            if value is not None and not isinstance(value, kind):
                _refuse_shapes(element, strings=strings, objects=objects, lists=lists)


def _refuse_shapes(
    element: Record, *, strings: tuple[str, ...], objects: tuple[str, ...], lists: tuple[str, ...]
) -> None:
    errors = [
        f"{name} must be a string."
        for name in strings
        if element.get(name) is not None and not isinstance(element[name], str)
    ]
    errors += [
        f"{name} must be an object."
        for name in objects
        if element.get(name) is not None and not isinstance(element[name], dict)
    ]
    errors += [
        f"{name} must be an array."
        for name in lists
        if element.get(name) is not None and not isinstance(element[name], list)
    ]
    if errors:
        raise ElementInvalid(errors)


_EMPTY_ID = "00000000-0000-0000-0000-000000000000"
_DATE_FIELDS = ("Date", "DueDate", "ExpiryDate", "ExpectedPaymentDate", "PlannedPaymentDate", "FullyPaidOnDate")


def _echo(element: Record, id_field: str | None) -> Record:
    """A failed element as Xero echoes it: an empty GUID where no id was assigned, dates in /Date()/ form."""
    echo = dict(element)
    if id_field and not echo.get(id_field):
        echo[id_field] = _EMPTY_ID
    for name in _DATE_FIELDS:
        if name in echo:
            try:
                echo[name] = msdate.format_date(msdate.parse_request_date(echo[name]))
            except ValueError:
                del echo[name]
    return echo


def run_batch(
    *, collection: str, elements: list[Record], save: Saver, id_field: str | None, query: dict[str, list[str]]
) -> ApiResult:
    """Save each element on its own; answer like Xero.

    Valid elements are saved even when siblings fail. Without ``summarizeErrors=false`` any failure gives a 400
    ValidationException listing the failed elements; with it, 200 and every element carries its own status.
    """
    summarize = query_bool(query, "summarizeErrors")
    summarize = True if summarize is None else summarize
    saved: list[Record] = []
    failed: list[Record] = []
    events: list[Event] = []
    for element in elements:
        try:
            record, element_events = save(element)
        except ElementInvalid as exc:
            echo = _echo(element, id_field)
            echo["ValidationErrors"] = [{"Message": message} for message in exc.messages]
            if collection in ("Invoices", "CreditNotes"):
                echo["HasErrors"] = True
            else:
                echo["HasValidationErrors"] = True
            echo["StatusAttributeString"] = "ERROR"
            failed.append(echo)
            saved.append(echo)
            continue
        events.extend(element_events)
        if not summarize:
            record = dict(record)
            record["StatusAttributeString"] = "OK"
            record.setdefault("ValidationErrors", [])
        saved.append(record)
    if failed and summarize:
        return ApiResult(
            status=400,
            body={
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": failed,
            },
            headers={},
            events=events,
        )
    return ApiResult(status=200, body={collection: saved}, headers={}, events=events)


def idempotent(
    *,
    data: TenantData,
    method: str,
    path: list[str],
    headers: dict[str, str],
    body: bytes,
    now: datetime,
    run: Callable[[], ApiResult],
) -> ApiResult:
    """Run a write once per ``Idempotency-Key``.

    Same key + same method/path/body within 24 h (sandbox time) replays the first response (no second object, no
    second events). Same key with a different body is a 400 (Xero's behaviour there is unverified).
    """
    key = headers.get("idempotency-key")
    if key is None:
        return run()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        return validation_failed(f"Idempotency-Key must be {IDEMPOTENCY_KEY_MAX} characters or fewer.")
    now_ms = msdate.to_ms(now)
    for stale in [k for k, v in data.idempotency.items() if v["expires_ms"] <= now_ms]:
        del data.idempotency[stale]
    slot = f"{method} {'/'.join(path)} {key}"
    digest = hashlib.sha256(body).hexdigest()
    previous = data.idempotency.get(slot)
    if previous is not None:
        if previous["digest"] != digest:
            return validation_failed("The Idempotency-Key has already been used for a different request.")
        return ApiResult(status=previous["status"], body=previous["body"], headers=dict(previous["headers"]), events=[])
    result = run()
    if result.status < 500 and isinstance(result.body, dict):
        data.idempotency[slot] = {
            "expires_ms": msdate.to_ms(now + IDEMPOTENCY_TTL),
            "digest": digest,
            "status": result.status,
            "body": result.body,
            "headers": result.headers,
        }
    return result
