"""The quote mirror, the ledger's one module for quotes: the `OPP-<id>` reference format, the writes
(`quotes_upsert`, called by the Xero sync) and the reads (the contact's Xero panel, the opportunity page).

A quote made from an opportunity carries the reference `OPP-<opportunity id>`; the sync links any quote whose
reference has that form to the opportunity, provided the opportunity belongs to the quote's contact. Quotes are
ledger documents (an organisation's numbered, priced document, mirrored from Xero like its invoices); what an
accepted quote does to its opportunity is the opportunity's workflow (`opportunities.services.opportunity_move`).
See "Where quotes live" in docs/ARCHITECTURE.md.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, QuerySet

from invoices.models import Quote
from opportunities.models import Opportunity

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
    organisation_id: int
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
        "pk",
        "organisation_id",
        "xero_id",
        "number",
        "title",
        "status",
        "currency_code",
        "total",
        "issued_on",
        "expires_on",
        "organisation__short_code",
        "organisation__name",
    )
    labels = dict(Quote.Status.choices)
    fields = (
        "id",
        "organisation_id",
        "xero_id",
        "number",
        "title",
        "status",
        "currency_code",
        "total",
        "issued_on",
        "expires_on",
        "short_code",
        "organisation",
    )
    rows = []
    for value in values:
        row = dict(zip(fields, value, strict=True))
        rows.append(QuoteRow(**row, status_label=labels[row["status"]]))
    return rows


_NEWEST_FIRST = (F("issued_on").desc(nulls_last=True), F("xero_updated_at").desc(), F("pk").desc())


def quote_rows_by_organisation(*, contact_id: int, organisation_ids: list[int]) -> dict[int, tuple[QuoteRow, ...]]:
    """The contact's quotes (deleted ones left out) per organisation, newest first. One query.

    The caller has checked that the user may see the contact.
    """
    found: dict[int, list[QuoteRow]] = {organisation_id: [] for organisation_id in organisation_ids}
    quotes = (
        Quote.objects.filter(contact_id=contact_id, organisation_id__in=organisation_ids)
        .exclude(status=Quote.Status.DELETED)
        .order_by("organisation_id", *_NEWEST_FIRST)
    )
    for row in _rows(quotes):
        found[row.organisation_id].append(row)
    return {organisation_id: tuple(rows) for organisation_id, rows in found.items()}


def quotes_of_contact_organisation_ids(*, contact_id: int) -> QuerySet[Quote]:
    """The organisations (as a values queryset of organisation ids) where the contact has quotes, for subqueries."""
    return Quote.objects.filter(contact_id=contact_id).exclude(status=Quote.Status.DELETED).values("organisation_id")


def quote_rows_of_opportunity(*, opportunity_id: int) -> list[QuoteRow]:
    """The opportunity's quotes, newest first (deleted ones left out). One query; the caller has checked that the
    user may see the opportunity (opportunities.selectors.opportunity_quotes)."""
    return _rows(
        Quote.objects.filter(opportunity_id=opportunity_id)
        .exclude(status=Quote.Status.DELETED)
        .order_by(*_NEWEST_FIRST)
    )


def opportunity_drafts(*, opportunity_id: int) -> list[QuoteRow]:
    """The opportunity's quotes still in DRAFT at Xero (as last synced), newest first."""
    return _rows(
        Quote.objects.filter(opportunity_id=opportunity_id, status=Quote.Status.DRAFT).order_by(*_NEWEST_FIRST)
    )


def quotes_open_exist(*, organisation_id: int) -> bool:
    """Whether the organisation has an opportunity's quote whose status can still change at Xero (worth asking
    Xero about at each sync). Quotes made in Xero for no opportunity wait for the weekly full reconcile."""
    return Quote.objects.filter(
        organisation_id=organisation_id, status__in=OPEN_STATUSES, opportunity__isnull=False
    ).exists()


@dataclass(frozen=True, slots=True)
class QuoteData:
    """A quote as read from Xero (see Quote for the meaning of each field)."""

    xero_id: str
    xero_contact_id: str
    number: str
    reference: str
    title: str
    status: str
    currency_code: str
    total: Decimal
    issued_on: date | None
    expires_on: date | None
    xero_updated_at: datetime


@dataclass(frozen=True, slots=True)
class QuoteUpsertResult:
    """What quotes_upsert did. `accepted` are the stored quotes that became ACCEPTED in this call (they were not
    ACCEPTED before, or were not stored at all), as (quote id, opportunity id or None)."""

    created: int
    updated: int
    skipped_stale: int
    accepted: tuple[tuple[int, int | None], ...]


def _quote_opportunities(items: Sequence[QuoteData], contact_ids_by_xero_id: dict[str, int]) -> dict[str, int]:
    """Xero quote id -> opportunity id, for quotes whose reference names an opportunity of the quote's contact."""
    named = {item.xero_id: opportunity_id_of_reference(item.reference) for item in items}
    owners = dict(
        Opportunity.objects.filter(pk__in={pk for pk in named.values() if pk}).values_list("pk", "contact_id")
    )
    return {
        item.xero_id: named[item.xero_id]
        for item in items
        if named[item.xero_id] in owners
        and owners[named[item.xero_id]] == contact_ids_by_xero_id.get(item.xero_contact_id)
    }


@transaction.atomic
def quotes_upsert(
    *, organisation_id: int, items: list[QuoteData], contact_ids_by_xero_id: dict[str, int], now: datetime
) -> QuoteUpsertResult:
    """Store Xero quotes of one organisation, idempotently and whatever the arrival order (newer UpdatedDateUTC wins).

    `contact` is set from `contact_ids_by_xero_id` (None when the Xero contact is not linked). `opportunity` is set
    when the reference is `OPP-<id>` (see invoices.quotes) and that opportunity belongs to the quote's contact;
    otherwise it is cleared. Four queries whatever the number of quotes.
    """
    newest: dict[str, QuoteData] = {}
    for item in items:
        if item.xero_id not in newest or item.xero_updated_at >= newest[item.xero_id].xero_updated_at:
            newest[item.xero_id] = item
    stored = {
        xero_id: (updated_at, status)
        for xero_id, updated_at, status in Quote.objects.select_for_update()
        .filter(organisation_id=organisation_id, xero_id__in=list(newest))
        .order_by("pk")
        .values_list("xero_id", "xero_updated_at", "status")
    }
    fresh = [
        item
        for item in newest.values()
        if item.xero_id not in stored or item.xero_updated_at >= stored[item.xero_id][0]
    ]
    if not fresh:
        return QuoteUpsertResult(created=0, updated=0, skipped_stale=len(items), accepted=())
    opportunities = _quote_opportunities(fresh, contact_ids_by_xero_id)
    rows = Quote.objects.bulk_create(
        [
            Quote(
                organisation_id=organisation_id,
                xero_id=item.xero_id,
                contact_id=contact_ids_by_xero_id.get(item.xero_contact_id),
                xero_contact_id=item.xero_contact_id,
                opportunity_id=opportunities.get(item.xero_id),
                number=item.number,
                reference=item.reference,
                title=item.title[:100],
                status=item.status,
                currency_code=item.currency_code,
                total=item.total,
                issued_on=item.issued_on,
                expires_on=item.expires_on,
                xero_updated_at=item.xero_updated_at,
                synced_at=now,
            )
            for item in fresh
        ],
        update_conflicts=True,
        unique_fields=["organisation", "xero_id"],
        update_fields=[
            "contact",
            "xero_contact_id",
            "opportunity",
            "number",
            "reference",
            "title",
            "status",
            "currency_code",
            "total",
            "issued_on",
            "expires_on",
            "xero_updated_at",
            "synced_at",
        ],
    )
    accepted = tuple(
        (row.pk, row.opportunity_id)
        for row in rows
        if row.status == Quote.Status.ACCEPTED and stored.get(row.xero_id, (None, None))[1] != Quote.Status.ACCEPTED
    )
    created = sum(1 for item in fresh if item.xero_id not in stored)
    return QuoteUpsertResult(
        created=created, updated=len(fresh) - created, skipped_stale=len(items) - len(fresh), accepted=accepted
    )
