"""One resource's records in a sandbox organisation, indexed by id and kept in Xero's default list order.

Xero lists records by ``(UpdatedDateUTC, id)``; keeping the ids sorted as records are written makes a page a slice
and an ``If-Modified-Since`` query a binary search, instead of a sort of the whole collection on every request.
"""

import bisect
from typing import Any

from xero_sandbox import guid, msdate


class Collection:
    """Records of one resource indexed by id and ordered by ``(UpdatedDateUTC ms, id)``."""

    def __init__(self, id_field: str) -> None:
        self.id_field = id_field
        self.records: dict[str, dict[str, Any]] = {}
        self._ms: dict[str, int] = {}
        self._keys: list[tuple[int, str]] = []
        self._sorted = True

    def __len__(self) -> int:
        return len(self.records)

    def get(self, record_id: str) -> dict[str, Any] | None:
        """The stored record with this id, or None. GUIDs match in any of .NET's formats and any case."""
        if not isinstance(record_id, str):
            return None
        record = self.records.get(record_id)
        if record is None and (same := guid.same_or_lower(record_id)) != record_id:
            record = self.records.get(same)
        return record

    def put(self, record: dict[str, Any]) -> None:
        """Store (or replace) a record; its UpdatedDateUTC decides its place in the default order."""
        record_id = record[self.id_field]
        ms = msdate.ms_of(record["UpdatedDateUTC"])
        old_ms = self._ms.get(record_id)
        self.records[record_id] = record
        self._ms[record_id] = ms
        if not self._sorted:
            return
        keys = self._keys
        if old_ms is not None:
            del keys[bisect.bisect_left(keys, (old_ms, record_id))]
        key = (ms, record_id)
        if not keys or key > keys[-1]:
            keys.append(key)
        else:
            bisect.insort(keys, key)

    def begin_bulk(self) -> None:
        """Stop maintaining the order on every put; it is rebuilt once on the next read."""
        self._sorted = False

    def ordered(self, *, modified_after_ms: int | None = None) -> list[dict[str, Any]]:
        """Records in ``(UpdatedDateUTC, id)`` order, optionally only those updated strictly after a moment."""
        if not self._sorted:
            self._keys = sorted((ms, record_id) for record_id, ms in self._ms.items())
            self._sorted = True
        start = 0
        if modified_after_ms is not None:
            start = bisect.bisect_right(self._keys, (modified_after_ms, "\uffff"))
        records = self.records
        return [records[record_id] for _, record_id in self._keys[start:]]
