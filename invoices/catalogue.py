"""The organisation's catalogue in the ledger: its Items, revenue accounts, tax rates and tracking options as the
Xero sync last read them, and its sales payment terms. Writes replace what the sync read (`*_store`); reads serve
the line pickers and the defaults a line takes from its item (`line_defaults`).

Plain data in, so the ledger never sees the integration's types.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet

from invoices.models import Item, LedgerAccount, Organisation, TaxRate, TrackingOption

ITEMS_SHOWN = 20


@dataclass(frozen=True)
class ItemData:
    xero_id: str
    code: str
    name: str
    description: str
    is_sold: bool
    is_tracked_as_inventory: bool
    unit_price: Decimal | None
    account_code: str
    tax_type: str


@dataclass(frozen=True)
class AccountData:
    xero_id: str
    code: str
    name: str
    status: str
    tax_type: str


@dataclass(frozen=True)
class TaxRateData:
    tax_type: str
    name: str
    status: str
    effective_rate: Decimal | None
    can_apply_to_revenue: bool


@dataclass(frozen=True)
class TrackingOptionData:
    xero_id: str
    category_xero_id: str
    category_name: str
    name: str
    is_active: bool


def _replace[M](model: type[M], *, organisation_id: int, rows: list[M], key: str, fields: list[str]) -> int:
    """Upsert `rows` by (organisation, key) and delete the organisation's rows the list no longer names."""
    model.objects.bulk_create(  # type: ignore[attr-defined]
        rows, update_conflicts=True, unique_fields=["organisation", key], update_fields=fields
    )
    model.objects.filter(organisation_id=organisation_id).exclude(  # type: ignore[attr-defined]
        **{f"{key}__in": [getattr(row, key) for row in rows]}
    ).delete()
    return len(rows)


_ITEM_FIELDS = [
    "code",
    "name",
    "description",
    "is_sold",
    "is_tracked_as_inventory",
    "unit_price",
    "account_code",
    "tax_type",
]


def items_store(*, organisation_id: int, items: Sequence[ItemData], whole: bool) -> int:
    """Keep these items. `whole` is True when `items` is every item Xero has (then the others are gone from Xero
    and are dropped); False for the items changed since the last read."""
    rows = [
        Item(organisation_id=organisation_id, **{f: getattr(data, f) for f in ["xero_id", *_ITEM_FIELDS]})
        for data in items
    ]
    with transaction.atomic():
        if whole:
            return _replace(Item, organisation_id=organisation_id, rows=rows, key="xero_id", fields=_ITEM_FIELDS)
        # Codes are unique within an organisation at Xero: an item now holding a code replaces any other kept with
        # it (deleted in Xero and made again, which If-Modified-Since cannot tell).
        # One read and one delete for the whole page, not a delete per item.
        holder = {row.code: row.xero_id for row in rows}
        kept = Item.objects.filter(organisation_id=organisation_id, code__in=holder).values_list(
            "pk", "code", "xero_id"
        )
        Item.objects.filter(pk__in=[pk for pk, code, xero_id in kept if holder[code] != xero_id]).delete()
        Item.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["organisation", "xero_id"], update_fields=_ITEM_FIELDS
        )
    return len(rows)


@transaction.atomic
def catalogue_store(
    *,
    organisation_id: int,
    accounts: Sequence[AccountData],
    tax_rates: Sequence[TaxRateData],
    tracking_options: Sequence[TrackingOptionData],
    sales_terms: tuple[int, str] | None,
    now: datetime,
) -> None:
    """Replace the organisation's revenue accounts, tax rates, tracking options and sales terms with what Xero
    holds now, and note when."""
    _replace(
        LedgerAccount,
        organisation_id=organisation_id,
        rows=[LedgerAccount(organisation_id=organisation_id, **asdict(a)) for a in accounts],
        key="xero_id",
        fields=["code", "name", "status", "tax_type"],
    )
    _replace(
        TaxRate,
        organisation_id=organisation_id,
        rows=[TaxRate(organisation_id=organisation_id, **asdict(t)) for t in tax_rates],
        key="tax_type",
        fields=["name", "status", "effective_rate", "can_apply_to_revenue"],
    )
    _replace(
        TrackingOption,
        organisation_id=organisation_id,
        rows=[TrackingOption(organisation_id=organisation_id, **asdict(o)) for o in tracking_options],
        key="xero_id",
        fields=["category_xero_id", "category_name", "name", "is_active"],
    )
    day, kind = sales_terms if sales_terms else (None, "")
    Organisation.objects.filter(pk=organisation_id).update(
        sales_terms_day=day, sales_terms_type=kind, catalogue_read_at=now
    )


# --- reads --------------------------------------------------------------------------------------------------------


def items_search(*, organisation_id: int, query: str) -> list[Item]:
    """The sold items whose code, name or description contain `query` (all of them for ""), by code, at most
    ITEMS_SHOWN."""
    items = Item.objects.filter(organisation_id=organisation_id, is_sold=True)
    if query := query.strip():
        items = items.filter(Q(code__icontains=query) | Q(name__icontains=query) | Q(description__icontains=query))
    return list(items[:ITEMS_SHOWN])


def revenue_accounts(*, organisation_id: int) -> QuerySet[LedgerAccount]:
    """The active revenue accounts a sales line may be coded to."""
    return LedgerAccount.objects.filter(organisation_id=organisation_id, status="ACTIVE")


def sales_tax_rates(*, organisation_id: int) -> QuerySet[TaxRate]:
    """The active tax rates that apply to revenue."""
    return TaxRate.objects.filter(organisation_id=organisation_id, status="ACTIVE", can_apply_to_revenue=True)


def tracking_choices(*, organisation_id: int) -> QuerySet[TrackingOption]:
    return TrackingOption.objects.filter(organisation_id=organisation_id, is_active=True)


@dataclass(frozen=True)
class LineDefaults:
    """What a line coded with nothing else gets: the item's account and tax, else the account's tax, else the
    organisation's defaults (given by the caller)."""

    account_code: str
    tax_type: str
    unit_price: Decimal | None
    description: str


def line_defaults(
    *, organisation_id: int, item_code: str, default_account_code: str, default_tax_type: str
) -> LineDefaults:
    item = Item.objects.filter(organisation_id=organisation_id, code=item_code).first() if item_code else None
    account_code = (item.account_code if item else "") or default_account_code
    tax_type = item.tax_type if item and item.tax_type else ""
    if not tax_type and account_code:
        tax_type = (
            LedgerAccount.objects.filter(organisation_id=organisation_id, code=account_code)
            .values_list("tax_type", flat=True)
            .first()
            or ""
        )
    return LineDefaults(
        account_code=account_code,
        tax_type=tax_type or default_tax_type,
        unit_price=item.unit_price if item else None,
        description=(item.description or item.name) if item else "",
    )
