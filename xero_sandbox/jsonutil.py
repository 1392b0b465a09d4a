"""JSON for the sandbox: amounts stay ``Decimal`` in memory and travel as JSON numbers, never floats or strings.

``Raw`` carries JSON already written by ``dumps`` (a list page's records, kept between requests by
collection.Fragments), which ``dumps`` copies into its output verbatim.
"""

import json
import re
import secrets
from decimal import Decimal
from typing import Any

# A Decimal is first written as a string wrapped in control-character markers, which JSON escapes as \u00XX; the C
# encoder stays fast, and one pass of str.replace then strips the quotes and markers. Only a user string containing
# the exact marker sequence U+0000 U+0001 U+0002 could be mangled.
_MARK_OPEN = "\x00\x01\x02"
_MARK_CLOSE = "\x02\x01\x00"
_OPEN = '"\\u0000\\u0001\\u0002'
_CLOSE = '\\u0002\\u0001\\u0000"'
# A Raw value is written as a placeholder the same way (U+0000 U+0001 U+0003, a nonce drawn for the call and its
# number), then replaced by its text: no string of the value can match a nonce it could not know.
_RAW_OPEN = "\x00\x01\x03"


class Raw:
    """JSON text written by ``dumps``, inlined verbatim where it stands in a value given to ``dumps``.

    Other writers (xml.py) read it back with ``loads``: the value a client of the JSON would see.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps_text(obj: Any) -> str:
    """``dumps`` as a str."""
    raws: list[str] = []
    nonce = ""  # drawn at the first Raw

    def default(value: object) -> str:  # called once per Decimal: a page of invoices has about 12,000 of them
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"cannot serialise {value!r}")
            return f"{_MARK_OPEN}{value}{_MARK_CLOSE}"
        if isinstance(value, Raw):
            nonlocal nonce
            nonce = nonce or secrets.token_hex(8)
            raws.append(value.text)
            return f"{_RAW_OPEN}{nonce}:{len(raws) - 1}\x03\x01\x00"
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    text = json.dumps(obj, ensure_ascii=False, default=default, separators=(",", ":"))
    if _OPEN in text:
        text = text.replace(_OPEN, "").replace(_CLOSE, "")
    if raws:
        placeholder = re.compile(rf'"\\u0000\\u0001\\u0003{nonce}:(\d+)\\u0003\\u0001\\u0000"')
        text = placeholder.sub(lambda found: raws[int(found.group(1))], text)
    return text


def dumps(obj: Any) -> bytes:
    """UTF-8 JSON (``ensure_ascii=False``) with every Decimal written as the exact JSON number it holds."""
    return dumps_text(obj).encode("utf-8")


def loads(raw: bytes | str) -> Any:
    """Parse JSON, reading every non-integer number as a Decimal. Raises ValueError on malformed input."""
    return json.loads(raw, parse_float=Decimal)
