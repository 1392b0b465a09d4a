"""Reads of the quote mirror (the contact's Xero panel, the opportunity page) and the opportunity reference format.

A quote made from an opportunity carries the reference `OPP-<opportunity id>`; the sync links any quote whose
reference has that form to the opportunity, provided the opportunity belongs to the quote's contact.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, QuerySet

from invoices.models import Quote

REFERENCE_PREFIX = "OPP-"
_REFERENCE = re.compile(rf"^{REFERENCE_PREFIX}(\d{{1,18}})$")
# Statuses a quote can still leave at Xero (DECLINED can be re-sent, but the weekly full reconcile catches that).
OPEN_STATUSES = (Quote.Status.DRAFT, Quote.Status.SENT, Quote.Status.ACCEPTED)


def opportunity_reference(opportunity_id: int) -> str:
    """The Xero reference of a quote made from this opportunity, e.g. "OPP-42"."""
    return f"{REFERENCE_PREFIX}{opportunity_id}"


def opportunity_id_of_reference(reference: str) -> int | None:
    """The opportunity id a quote reference names ("OPP-42" -> 42, surrounding spaces ignored), else None."""
    found = _REFERENCE.match(reference.strip())
    return int(found.group(1)) if found else None


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """One quote as listed on the opportunity page and in the contact's Xero panel."""

    id: int
    connection_id: int
    xero_id: str
    number: str
    title: str
    status: str
    status_label: str
    currency_code: str
    total: Decimal
    issued_on: date | None
    expires_on: date | None
    short_code: str
    organisation: str


def _rows(quotes: QuerySet[Quote]) -> list[QuoteRow]:
    values = quotes.values_list(
        "pk", "connection_id", "xero_id", "number", "title", "status", "currency_code", "total", "issued_on",
        "expires_on", "connection__short_code", "connection__name",
    )
    labels = dict(Quote.Status.choices)
    fields = ("id", "connection_id", "xero_id", "number", "title", "status", "currency_code", "total", "issued_on",
              "expires_on", "short_code", "organisation")
    rows = []
    for value in values:
        row = dict(zip(fields, value, strict=True))
        rows.append(QuoteRow(**row, status_label=labels[row["status"]]))
    return rows


_NEWEST_FIRST = (F("issued_on").desc(nulls_last=True), F("xero_updated_at").desc(), F("pk").desc())


def quote_rows_by_connection(*, contact_id: int, connection_ids: list[int]) -> dict[int, tuple[QuoteRow, ...]]:
    """The contact's quotes (deleted ones left out) per organisation, newest first. One query.

    The caller has checked that the user may see the contact.
    """
    found: dict[int, list[QuoteRow]] = {connection_id: [] for connection_id in connection_ids}
    quotes = (
        Quote.objects.filter(contact_id=contact_id, connection_id__in=connection_ids)
        .exclude(status=Quote.Status.DELETED)
        .order_by("connection_id", *_NEWEST_FIRST)
    )
    for row in _rows(quotes):
        found[row.connection_id].append(row)
    return {connection_id: tuple(rows) for connection_id, rows in found.items()}


def quotes_of_contact_connection_ids(*, contact_id: int) -> QuerySet[Quote]:
    """The organisations (as a values queryset of connection ids) where the contact has quotes, for subqueries."""
    return Quote.objects.filter(contact_id=contact_id).exclude(status=Quote.Status.DELETED).values("connection_id")


def quote_rows_of_opportunity(*, opportunity_id: int) -> list[QuoteRow]:
    """The opportunity's quotes, newest first (deleted ones left out). One query; the caller has checked that the
    user may see the opportunity (opportunities.selectors.opportunity_quotes)."""
    return _rows(
        Quote.objects.filter(opportunity_id=opportunity_id).exclude(status=Quote.Status.DELETED)
        .order_by(*_NEWEST_FIRST)
    )


def opportunity_drafts(*, opportunity_id: int) -> list[QuoteRow]:
    """The opportunity's quotes still in DRAFT at Xero (as last synced), newest first."""
    return _rows(
        Quote.objects.filter(opportunity_id=opportunity_id, status=Quote.Status.DRAFT).order_by(*_NEWEST_FIRST)
    )


def quotes_open_exist(*, connection_id: int) -> bool:
    """Whether the organisation has an opportunity's quote whose status can still change at Xero (worth asking
    Xero about at each sync). Quotes made in Xero for no opportunity wait for the weekly full reconcile."""
    return Quote.objects.filter(
        connection_id=connection_id, status__in=OPEN_STATUSES, opportunity__isnull=False
    ).exists()
