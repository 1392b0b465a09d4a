"""JSON for the sandbox: amounts stay ``Decimal`` in memory and travel as JSON numbers, never floats or strings."""

import json
from decimal import Decimal
from typing import Any

# A Decimal is first written as a string wrapped in control-character markers, which JSON escapes as \u00XX; the C
# encoder stays fast, and one pass of str.replace then strips the quotes and markers. Only a user string containing
# the exact marker sequence U+0000 U+0001 U+0002 could be mangled.
_MARK_OPEN = "\x00\x01\x02"
_MARK_CLOSE = "\x02\x01\x00"
_OPEN = '"\\u0000\\u0001\\u0002'
_CLOSE = '\\u0002\\u0001\\u0000"'


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot serialise {value!r}")
        return f"{_MARK_OPEN}{value}{_MARK_CLOSE}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(obj: Any) -> bytes:
    """UTF-8 JSON (``ensure_ascii=False``) with every Decimal written as the exact JSON number it holds."""
    text = json.dumps(obj, ensure_ascii=False, default=_default, separators=(",", ":"))
    if _OPEN in text:
        text = text.replace(_OPEN, "").replace(_CLOSE, "")
    return text.encode("utf-8")


def loads(raw: bytes | str) -> Any:
    """Parse JSON, reading every non-integer number as a Decimal. Raises ValueError on malformed input."""
    return json.loads(raw, parse_float=Decimal)
