"""GET list mechanics shared by every collection: If-Modified-Since, where, order, paging, query parsing."""

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from xero_sandbox import guid, msdate, where
from xero_sandbox.accounting.results import RequestInvalid, query_parse_error, validation_failed
from xero_sandbox.collection import Collection

Record = dict[str, Any]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def query_value(query: dict[str, list[str]], name: str) -> str | None:
    """The first value of a query parameter, matched case-insensitively (Xero ignores the case of names)."""
    values = query.get(name)
    if values is None:
        lowered = name.lower()
        for key, candidate in query.items():
            if key.lower() == lowered:
                values = candidate
                break
    return values[0] if values else None


def query_bool(query: dict[str, list[str]], name: str) -> bool | None:
    """A boolean query parameter (``true``/``True``/``1``), or None when absent."""
    value = query_value(query, name)
    if value is None:
        return None
    return value.strip().lower() in ("true", "1", "yes")


def query_list(query: dict[str, list[str]], name: str) -> list[str] | None:
    """A comma-separated query parameter (repeated parameters are joined), or None when absent."""
    values: list[str] = []
    found = False
    for key, candidates in query.items():
        if key.lower() == name.lower():
            found = True
            for candidate in candidates:
                values.extend(part.strip() for part in candidate.split(",") if part.strip())
    return values if found else None


def query_ids(query: dict[str, list[str]], name: str) -> set[str] | None:
    """A comma-separated list of GUIDs (``IDs``, ``ContactIDs``) in any of .NET's formats, canonicalised; None
    when absent."""
    values = query_list(query, name)
    return None if values is None else {guid.same_or_lower(value) for value in values}


def query_int(query: dict[str, list[str]], name: str) -> int | None:
    """An integer query parameter; a non-number is a 400."""
    value = query_value(query, name)
    if value is None or value.strip() == "":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise RequestInvalid(validation_failed(f"The parameter {name} must be an integer.")) from exc


def modified_after_ms(headers: dict[str, str]) -> int | None:
    """The If-Modified-Since moment in ms, or None when absent. An unparseable value is ignored (RFC 9110)."""
    value = headers.get("if-modified-since")
    if not value:
        return None
    try:
        return msdate.to_ms(msdate.parse_if_modified_since(value))
    except ValueError:
        return None


def where_filter(query: dict[str, list[str]]) -> Callable[[Record], bool] | None:
    """The compiled ``where`` parameter, or None. A malformed one is a 400 QueryParseException."""
    text = query_value(query, "where")
    if text is None or not text.strip():
        return None
    try:
        return where.compile_where(text)
    except where.QueryParseError as exc:
        raise RequestInvalid(query_parse_error(str(exc))) from exc


def ordering(query: dict[str, list[str]]) -> list[where.OrderTerm] | None:
    """The parsed ``order`` parameter, or None."""
    text = query_value(query, "order")
    if text is None or not text.strip():
        return None
    try:
        return where.parse_order(text)
    except where.QueryParseError as exc:
        raise RequestInvalid(query_parse_error(str(exc))) from exc


def refine(
    records: Iterable[Record], *, query: dict[str, list[str]], headers: dict[str, str] | None = None
) -> list[Record]:
    """A list endpoint without paging over records kept in a plain list (Accounts, TaxRates, Currencies...):
    ``If-Modified-Since`` on ``UpdatedDateUTC`` (only when ``headers`` are given), then ``where``, then ``order``."""
    kept = list(records)
    after = modified_after_ms(headers) if headers is not None else None
    if after is not None:
        kept = [record for record in kept if msdate.ms_of(record.get("UpdatedDateUTC") or "/Date(0)/") > after]
    predicate = where_filter(query)
    if predicate is not None:
        kept = [record for record in kept if predicate(record)]
    terms = ordering(query)
    if terms:
        kept = where.sort_records(kept, terms)
    return kept


@dataclass(frozen=True)
class Page:
    """The records of one response and, on paged endpoints, the pagination object."""

    records: list[Record]
    paged: bool
    pagination: dict[str, int] | None


def select(
    *,
    collection: Collection,
    query: dict[str, list[str]],
    headers: dict[str, str],
    filters: Iterable[Callable[[Record], bool]] = (),
    page_size_allowed: bool,
    use_where: bool = True,
) -> Page:
    """Filter, order and page a collection the way Xero's list endpoints do.

    Default order is ``UpdatedDateUTC`` ascending then id (stable across pages). Without ``page`` every matching
    record is returned. ``pageSize`` (only where allowed) defaults to 100 and is clamped to 1..1000.

    In an order the collection keeps (the default one, ``UpdatedDateUTC`` and the id: collection.py), a page is
    read from its index: a slice when nothing is filtered, else the filters run in that order, and only up to the
    page when no ``itemCount`` is due. Any other order filters and sorts the whole collection.
    """
    after = modified_after_ms(headers)
    predicates = list(filters)
    if use_where:
        predicate = where_filter(query)
        if predicate is not None:
            predicates.append(predicate)
    terms = ordering(query)
    page = query_int(query, "page")
    index = collection.index_of(terms)
    if index is None:
        records = collection.ordered(modified_after_ms=after)
        for predicate in predicates:
            records = [record for record in records if predicate(record)]
        records = where.sort_records(records, terms or [])
        if page is None:
            return Page(records=records, paged=False, pagination=None)
        return _page_of(records, page=page, query=query, page_size_allowed=page_size_allowed)
    name, descending = index

    def matching() -> Iterator[Record]:
        walked = collection.walk(name, descending=descending, modified_after_ms=after)
        return (record for record in walked if all(predicate(record) for predicate in predicates))

    if page is None:
        return Page(records=list(matching()), paged=False, pagination=None)
    page, size = _page_and_size(page, query=query, page_size_allowed=page_size_allowed)
    start, stop = (page - 1) * size, page * size
    if not predicates:
        item_count = collection.count(modified_after_ms=after)
        chunk = collection.window(name, descending=descending, modified_after_ms=after, start=start, stop=stop)
    elif page_size_allowed:
        item_count, chunk = 0, []
        for record in matching():
            if start <= item_count < stop:
                chunk.append(record)
            item_count += 1
    else:
        return Page(records=list(itertools.islice(matching(), start, stop)), paged=True, pagination=None)
    return Page(records=chunk, paged=True, pagination=_pagination(page, size, item_count, page_size_allowed))


def _page_and_size(page: int, *, query: dict[str, list[str]], page_size_allowed: bool) -> tuple[int, int]:
    size = DEFAULT_PAGE_SIZE
    if page_size_allowed:
        requested = query_int(query, "pageSize")
        if requested is not None:
            size = min(max(requested, 1), MAX_PAGE_SIZE)
    return max(page, 1), size


def _pagination(page: int, size: int, item_count: int, page_size_allowed: bool) -> dict[str, int] | None:
    if not page_size_allowed:
        return None
    return {"page": page, "pageSize": size, "pageCount": -(-item_count // size), "itemCount": item_count}


def _page_of(records: list[Record], *, page: int, query: dict[str, list[str]], page_size_allowed: bool) -> Page:
    page, size = _page_and_size(page, query=query, page_size_allowed=page_size_allowed)
    chunk = records[(page - 1) * size : page * size]
    return Page(records=chunk, paged=True, pagination=_pagination(page, size, len(records), page_size_allowed))
