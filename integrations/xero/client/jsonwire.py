"""JSON to and from Xero with exact amounts: Decimal in both directions, never float."""

import json
from decimal import Decimal
from typing import Any

import msgspec
import requests

from integrations.xero.client.errors import XeroUnavailable

# msgspec's decoder reads a page of 1,000 invoices in about two thirds of json's time; its float_hook gets each
# number with a fraction or an exponent as its text, as json's parse_float does, so amounts are exact Decimals.
_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_UTF8_BOM = b"\xef\xbb\xbf"


def loads(body: bytes | str) -> Any:
    """JSON text as Python, numbers with a fraction as Decimal. Raises ValueError (msgspec.DecodeError) when it
    is not JSON, NaN and Infinity included, which JSON does not have. A UTF-8 byte order mark is skipped, as
    json.loads skips it."""
    if isinstance(body, bytes) and body.startswith(_UTF8_BOM):
        body = body[len(_UTF8_BOM) :]
    return _DECODER.decode(body)


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
