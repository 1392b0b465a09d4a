"""One resource's records in a sandbox organisation, indexed by id and kept in the orders lists are asked for.

Xero lists records by ``(UpdatedDateUTC, id)`` unless an ``order`` is given, and clients page by the record's id
(``order=InvoiceID ASC``, so an edit between two pages moves nothing). The collection keeps both orders sorted
as records are written, so a page in either is a slice (or a walk that stops at the page) and an
``If-Modified-Since`` query a binary search, instead of a sort of the whole collection on every request.

Stored records are never changed in place (store.py's rule: a write replaces the dict), so each record's
serialised JSON can be kept in ``fragments`` for as long as that very dict is the stored one.
"""

import bisect
import itertools
from collections.abc import Iterator
from typing import Any

from xero_sandbox import guid, msdate, where

Record = dict[str, Any]
DEFAULT = "default"  # (UpdatedDateUTC, id): Xero's list order, and ``order=UpdatedDateUTC``
BY_ID = "id"  # ``order=<id field>``: ids compared as where.sort_key compares them, ties in the default order


class Fragments:
    """Serialised JSON of stored records, each valid only while its record is the stored one.

    An entry remembers the record dict it was made from, and ``get`` answers only for that same dict: since a write
    replaces a record instead of changing it, a replaced record can never be served from a stale entry, and
    organisations cloned from one another (store.py) can share the entries of the records they share.
    """

    def __init__(self) -> None:
        self._entries: dict[Any, tuple[Record, object, tuple[str, ...]]] = {}

    def get(self, record_id: Any, record: Record, variant: object) -> tuple[str, ...] | None:
        """The parts kept for this record in this variant (e.g. with or without line items), or None."""
        entry = self._entries.get(record_id)
        if entry is None or entry[0] is not record or entry[1] != variant:
            return None
        return entry[2]

    def put(self, record_id: Any, record: Record, variant: object, parts: tuple[str, ...]) -> None:
        self._entries[record_id] = (record, variant, parts)

    def drop(self, record_id: Any) -> None:
        self._entries.pop(record_id, None)

    def __len__(self) -> int:
        return len(self._entries)


def _id_key(record_id: Any) -> tuple[Any, ...]:
    """The id's place in ``order=<id field>``: where.sort_key's (GUIDs are strings, compared case-insensitively)."""
    key = where.sort_key(record_id)
    if isinstance(record_id, str) and key[1] == record_id:
        key = (key[0], record_id)  # the casefolded copy of an already lower-case id would only cost memory
    return key


class Collection:
    """Records of one resource indexed by id, kept in the default order and in id order."""

    def __init__(self, id_field: str, *, fragments: Fragments | None = None) -> None:
        self.id_field = id_field
        self.records: dict[str, Record] = {}
        self._ms: dict[str, int] = {}
        self._keys: list[tuple[int, str]] = []  # (UpdatedDateUTC ms, id)
        self._id_keys: list[tuple[tuple[Any, ...], int, str]] = []  # (id's sort key, UpdatedDateUTC ms, id)
        self._sorted = True
        self.fragments = fragments if fragments is not None else Fragments()

    def __len__(self) -> int:
        return len(self.records)

    def get(self, record_id: str) -> Record | None:
        """The stored record with this id, or None. GUIDs match in any of .NET's formats and any case."""
        if not isinstance(record_id, str):
            return None
        record = self.records.get(record_id)
        if record is None and (same := guid.same_or_lower(record_id)) != record_id:
            record = self.records.get(same)
        return record

    def put(self, record: Record) -> None:
        """Store (or replace) a record; its UpdatedDateUTC decides its place in the default order."""
        record_id = record[self.id_field]
        ms = msdate.ms_of(record["UpdatedDateUTC"])
        old_ms = self._ms.get(record_id)
        self.records[record_id] = record
        self._ms[record_id] = ms
        self.fragments.drop(record_id)
        if not self._sorted:
            return
        if old_ms is not None:
            if old_ms == ms:
                return  # the same place in both orders
            _remove(self._keys, (old_ms, record_id))
            _remove(self._id_keys, (_id_key(record_id), old_ms, record_id))
        _insert(self._keys, (ms, record_id))
        _insert(self._id_keys, (_id_key(record_id), ms, record_id))

    def begin_bulk(self) -> None:
        """Stop maintaining the orders on every put; they are rebuilt once on the next read."""
        self._sorted = False

    def _ensure_sorted(self) -> None:
        if not self._sorted:
            self._keys = sorted((ms, record_id) for record_id, ms in self._ms.items())
            self._id_keys = sorted((_id_key(record_id), ms, record_id) for record_id, ms in self._ms.items())
            self._sorted = True

    def copy(self, *, share_fragments: bool) -> "Collection":
        """Another collection holding the same record dicts (safe: records are replaced, never changed)."""
        self._ensure_sorted()
        twin = Collection(self.id_field, fragments=self.fragments if share_fragments else None)
        twin.records, twin._ms = dict(self.records), dict(self._ms)
        twin._keys, twin._id_keys = list(self._keys), list(self._id_keys)
        return twin

    def ordered(self, *, modified_after_ms: int | None = None) -> list[Record]:
        """Records in ``(UpdatedDateUTC, id)`` order, optionally only those updated strictly after a moment."""
        self._ensure_sorted()
        records = self.records
        return [records[record_id] for _, record_id in self._keys[self._first_after(modified_after_ms) :]]

    def _first_after(self, modified_after_ms: int | None) -> int:
        if modified_after_ms is None:
            return 0
        return bisect.bisect_right(self._keys, (modified_after_ms, "\uffff"))

    def index_of(self, terms: list[where.OrderTerm] | None) -> tuple[str, bool] | None:
        """``(DEFAULT or BY_ID, descending)`` when these ``order`` terms are an order the collection keeps, else None.

        ``order=UpdatedDateUTC`` sorts by the instant and keeps ties in the default order, which is the default
        order itself; ``order=<id field>`` is the id index.
        """
        if not terms:
            return DEFAULT, False
        if len(terms) != 1:
            return None
        (term,) = terms
        if term.path == ("UpdatedDateUTC",):
            return DEFAULT, term.descending
        if term.path == (self.id_field,):
            return BY_ID, term.descending
        return None

    def count(self, *, modified_after_ms: int | None = None) -> int:
        """How many records were updated strictly after the moment (all of them without one)."""
        self._ensure_sorted()
        return len(self._keys) - self._first_after(modified_after_ms)

    def window(
        self, index: str, *, descending: bool, modified_after_ms: int | None, start: int, stop: int
    ) -> list[Record]:
        """Records ``start:stop`` of an index (``index_of``), counting only those updated after the moment."""
        self._ensure_sorted()
        records = self.records
        if index == DEFAULT and not descending:
            first = self._first_after(modified_after_ms)
            return [records[record_id] for _, record_id in self._keys[first + start : first + stop]]
        if index == BY_ID and not descending and modified_after_ms is None:
            return [records[entry[2]] for entry in self._id_keys[start:stop]]
        walked = self.walk(index, descending=descending, modified_after_ms=modified_after_ms)
        return list(itertools.islice(walked, start, stop))

    def walk(self, index: str, *, descending: bool, modified_after_ms: int | None) -> Iterator[Record]:
        """Records in an index's order (``index_of``), lazily, only those updated strictly after the moment.

        Descending keeps ties in the default order, as a stable sort in reverse does (``where.sort_records``).
        """
        self._ensure_sorted()
        records = self.records
        if index == DEFAULT:
            keys = self._keys[self._first_after(modified_after_ms) :]
            if not descending:
                return (records[record_id] for _, record_id in keys)
            return (records[entry[-1]] for entry in _reversed_keeping_ties(keys))
        entries: Iterator[tuple[Any, ...]] = iter(self._id_keys)
        if descending:
            entries = _reversed_keeping_ties(self._id_keys)
        if modified_after_ms is not None:
            entries = (entry for entry in entries if entry[1] > modified_after_ms)
        return (records[entry[2]] for entry in entries)


def _reversed_keeping_ties(entries: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Entries sorted ascending, yielded descending by their first field, entries with equal ones still ascending."""
    group: list[tuple[Any, ...]] = []
    for entry in reversed(entries):
        if group and entry[0] != group[0][0]:
            yield from reversed(group)
            group = []
        group.append(entry)
    yield from reversed(group)


def _insert(keys: list, key: tuple) -> None:
    if not keys or key > keys[-1]:
        keys.append(key)
    else:
        bisect.insort(keys, key)


def _remove(keys: list, key: tuple) -> None:
    del keys[bisect.bisect_left(keys, key)]
