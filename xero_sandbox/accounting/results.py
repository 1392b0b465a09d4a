"""What a handler returns, and the error bodies Xero sends."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from xero_sandbox.store import Event

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


@dataclass(frozen=True)
class ApiResult:
    """One accounting response. ``body`` excludes the envelope (infra adds Id/Status/ProviderName/DateTimeUTC)."""

    status: int
    body: dict | bytes | None  # bytes only for Xero's plain-text answers (404)
    headers: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


class ElementInvalid(Exception):
    """One element of a write failed validation; nothing of it was saved."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class RequestInvalid(Exception):
    """The whole request is unusable (bad query, body or header)."""

    def __init__(self, result: "ApiResult") -> None:
        super().__init__(result.status)
        self.result = result


def ok(body: dict, events: list[Event] | None = None) -> ApiResult:
    """A 200 with a JSON body."""
    return ApiResult(status=200, body=body, headers={}, events=events or [])


def not_found() -> ApiResult:
    """Xero's 404: the plain-text body "The resource you're looking for cannot be found"."""
    return ApiResult(
        status=404, body=NOT_FOUND_TEXT.encode(), headers={"Content-Type": "text/plain; charset=utf-8"}, events=[]
    )


def validation_failed(message: str) -> ApiResult:
    """A 400 ValidationException without elements (e.g. a bad Idempotency-Key)."""
    return ApiResult(
        status=400,
        body={
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [{"ValidationErrors": [{"Message": message}]}],
        },
        headers={},
        events=[],
    )


def query_parse_error(message: str) -> ApiResult:
    """Xero's answer to a malformed ``where``/``order``: 400 QueryParseException (ErrorNumber 16)."""
    return ApiResult(
        status=400, body={"ErrorNumber": 16, "Type": "QueryParseException", "Message": message}, headers={}, events=[]
    )


def post_data_invalid(message: str) -> ApiResult:
    """Xero's answer to an unreadable request body: 400 PostDataInvalidException (ErrorNumber 14)."""
    return ApiResult(
        status=400,
        body={"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message},
        headers={},
        events=[],
    )


def not_implemented() -> ApiResult:
    """501 for methods Xero does not offer on a resource (e.g. POST /Organisation)."""
    return ApiResult(
        status=501,
        body={
            "ErrorNumber": 20,
            "Type": "ApiMethodNotImplementedException",
            "Message": "The Api Method called is not implemented",
        },
        headers={},
        events=[],
    )


TWO_DP = Decimal("0.01")
FOUR_DP = Decimal("0.0001")


def to_decimal(value: Any, *, field_name: str) -> Decimal:
    """A Decimal from a JSON number or numeric string. Raises ElementInvalid otherwise."""
    if isinstance(value, bool):
        raise ElementInvalid([f"{field_name} must be a number."])
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int):
        return Decimal(value)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ElementInvalid([f"{field_name} must be a number."]) from exc
    if not number.is_finite():
        raise ElementInvalid([f"{field_name} must be a number."])
    return number


def money(value: Decimal) -> Decimal:
    """Round half-up to 2 dp, as Xero rounds computed amounts."""
    return value.quantize(TWO_DP, rounding=ROUND_HALF_UP)
