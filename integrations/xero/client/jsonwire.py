"""JSON to and from Xero with exact amounts: Decimal in both directions, never float."""

import json
from decimal import Decimal
from typing import Any

import requests

from integrations.xero.client.errors import XeroUnavailable


def loads(body: bytes | str) -> Any:
    """JSON text as Python, numbers with a fraction as Decimal. Raises ValueError when it is not JSON."""
    return json.loads(body, parse_float=Decimal)


def decode_json(response: requests.Response) -> Any:
    """The answer's JSON, numbers with a fraction as Decimal. Raises XeroUnavailable when the body is not JSON."""
    try:
        return loads(response.content)
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
