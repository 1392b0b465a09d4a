"""GUIDs as Xero reads them: .NET's ``Guid.Parse`` formats, stored and compared in one canonical form.

Xero is a .NET service, and .NET parses a GUID written as 32 hex digits (``N``, what pyxero sends from
``UUID.hex``), with dashes (``D``), in braces (``B``) or in parentheses (``P``), in any letter case, with
surrounding white space. The sandbox stores ids as lower-case ``D`` strings, so every id a client sends (path,
``IDs``/``ContactIDs`` lists, ``Guid("...")`` in ``where``, ids in request bodies) goes through ``canonical``.
"""

import re

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_DASHED = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_WRAPPERS = {"{": "}", "(": ")"}


def canonical(text: str) -> str | None:
    """The lower-case dashed form of a GUID in any of .NET's N, D, B or P formats, or None if it is not one."""
    value = text.strip()
    if len(value) >= 2 and _WRAPPERS.get(value[0]) == value[-1]:
        value = value[1:-1]
        if not _DASHED.fullmatch(value):  # .NET allows braces and parentheses only around the dashed form
            return None
    elif _HEX32.fullmatch(value):
        value = f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    elif not _DASHED.fullmatch(value):
        return None
    return value.lower()


def same_or_lower(text: str) -> str:
    """``canonical(text)`` when it is a GUID, else the text lower-cased (ids are compared case-insensitively)."""
    return canonical(text) or text.lower()
