"""What an invoice is made of at Xero: the organisation's Items, revenue Accounts, TaxRates, TrackingCategories, and
payment terms (on the Organisation and on each Contact). Shapes per the vendored spec (components/schemas Item,
Purchase, Account, TaxRate, TrackingCategory, TrackingOption, PaymentTerm, Bill, PaymentTermType)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from integrations.xero.schemas.fields import (
    Record,
    SchemaError,
    _flag,
    _id,
    _money,
    _object,
    _objects,
    _text,
    msdate_datetime,
)

CODE_MAX = 30  # Item.Code (Xero: "max length = 30")
NAME_MAX = 255


class PaymentTermType(StrEnum):
    """components/schemas/PaymentTermType. Xero's docs (Organisation, "PaymentTerms"): DAYSAFTERBILLDATE "day(s)
    after the invoice date", DAYSAFTERBILLMONTH "day(s) after the end of the invoice month", OFCURRENTMONTH "of
    the current month", OFFOLLOWINGMONTH "of the following month"."""

    DAYSAFTERBILLDATE = "DAYSAFTERBILLDATE"
    DAYSAFTERBILLMONTH = "DAYSAFTERBILLMONTH"
    OFCURRENTMONTH = "OFCURRENTMONTH"
    OFFOLLOWINGMONTH = "OFFOLLOWINGMONTH"


@dataclass(frozen=True)
class PaymentTerms:
    day: int
    type: PaymentTermType


# The days a term may name: a day of the month for the OF... types, a count of days for the DAYSAFTER... ones (Xero
# takes three digits there; the sandbox and the contact form hold the same bounds).
DAY_OF_MONTH = range(1, 32)
DAYS_COUNT = range(0, 1000)


def terms_days(kind: str) -> range:
    """The days `kind` (a PaymentTermType) takes."""
    return DAY_OF_MONTH if kind in (PaymentTermType.OFCURRENTMONTH, PaymentTermType.OFFOLLOWINGMONTH) else DAYS_COUNT


def sales_terms(record: Record, *, record_id: str) -> PaymentTerms | None:
    """PaymentTerms.Sales of an Organisation or Contact, or None when Xero gives none (or an incomplete one). The
    one parser of payment terms: the contacts' and the organisation's."""
    sales = _object(_object(record, "PaymentTerms", record_id=record_id), "Sales", record_id=record_id)
    day, kind = sales.get("Day"), sales.get("Type")
    if day is None or kind in (None, ""):
        return None
    try:
        kind = PaymentTermType(kind)
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"unknown PaymentTerms.Sales.Type {kind!r}", record_id=record_id) from exc
    whole = isinstance(day, int) or (isinstance(day, Decimal) and day.is_finite() and day == day.to_integral_value())
    if isinstance(day, bool) or not whole or int(day) not in terms_days(kind):
        raise SchemaError(f"PaymentTerms.Sales.Day is not a day: {day!r}", record_id=record_id)
    return PaymentTerms(day=int(day), type=kind)


def _updated(record: Record, *, record_id: str) -> datetime | None:
    value = record.get("UpdatedDateUTC")
    return None if value in (None, "") else msdate_datetime(value, field="UpdatedDateUTC", record_id=record_id)


@dataclass(frozen=True)
class XeroItem:
    """An Item as sold: its SalesDetails' unit price, account and tax type ("" / None when Xero has none)."""

    item_id: str
    code: str
    name: str
    description: str
    is_sold: bool
    is_tracked_as_inventory: bool
    unit_price: Decimal | None
    account_code: str
    tax_type: str
    updated_at: datetime | None


def item(record: Record) -> XeroItem:
    """Parse one element of `Items`. Raises SchemaError(record_id=...)."""
    record_id = _id(record, "ItemID")
    sales = _object(record, "SalesDetails", record_id=record_id)
    return XeroItem(
        item_id=record_id,
        code=_text(record, "Code", record_id=record_id, max_length=CODE_MAX),
        name=_text(record, "Name", record_id=record_id, max_length=NAME_MAX),
        description=_text(record, "Description", record_id=record_id),
        # IsSold is absent on items made before Xero had it; such items are sold (the spec's default is unset).
        is_sold=_flag(record, "IsSold", record_id=record_id) if "IsSold" in record else True,
        is_tracked_as_inventory=_flag(record, "IsTrackedAsInventory", record_id=record_id),
        unit_price=_money(sales, "UnitPrice", record_id=record_id, places=4),
        account_code=_text(sales, "AccountCode", record_id=record_id),
        tax_type=_text(sales, "TaxType", record_id=record_id),
        updated_at=_updated(record, record_id=record_id),
    )


@dataclass(frozen=True)
class XeroAccount:
    account_id: str
    code: str
    name: str
    type: str
    account_class: str
    status: str
    tax_type: str


def account(record: Record) -> XeroAccount:
    """Parse one element of `Accounts`. Raises SchemaError(record_id=...)."""
    record_id = _id(record, "AccountID")
    return XeroAccount(
        account_id=record_id,
        code=_text(record, "Code", record_id=record_id),
        name=_text(record, "Name", record_id=record_id, max_length=NAME_MAX),
        type=_text(record, "Type", record_id=record_id),
        account_class=_text(record, "Class", record_id=record_id),
        status=_text(record, "Status", record_id=record_id) or "ACTIVE",
        tax_type=_text(record, "TaxType", record_id=record_id),
    )


@dataclass(frozen=True)
class XeroTaxRate:
    tax_type: str
    name: str
    status: str
    effective_rate: Decimal | None
    can_apply_to_revenue: bool


def tax_rate(record: Record) -> XeroTaxRate:
    """Parse one element of `TaxRates` (keyed by TaxType: tax rates have no id). Raises SchemaError."""
    record_id = _id(record, "TaxType")
    return XeroTaxRate(
        tax_type=record_id,
        name=_text(record, "Name", record_id=record_id, max_length=NAME_MAX),
        status=_text(record, "Status", record_id=record_id) or "ACTIVE",
        effective_rate=_money(record, "EffectiveRate", record_id=record_id, places=4),
        can_apply_to_revenue=_flag(record, "CanApplyToRevenue", record_id=record_id),
    )


@dataclass(frozen=True)
class XeroTrackingOption:
    option_id: str
    name: str
    status: str


@dataclass(frozen=True)
class XeroTrackingCategory:
    category_id: str
    name: str
    status: str
    options: tuple[XeroTrackingOption, ...]


def tracking_category(record: Record) -> XeroTrackingCategory:
    """Parse one element of `TrackingCategories`, with its Options. Raises SchemaError(record_id=...)."""
    record_id = _id(record, "TrackingCategoryID")
    return XeroTrackingCategory(
        category_id=record_id,
        name=_text(record, "Name", record_id=record_id, max_length=100),
        status=_text(record, "Status", record_id=record_id) or "ACTIVE",
        options=tuple(
            XeroTrackingOption(
                option_id=_id(option, "TrackingOptionID", record_id=record_id),
                name=_text(option, "Name", record_id=record_id, max_length=100),
                status=_text(option, "Status", record_id=record_id) or "ACTIVE",
            )
            for option in _objects(record, "Options", record_id=record_id)
        ),
    )


def document_lines(payload: object, *, collection: str) -> list[Record]:
    """The LineItems of the one document of a GET /{collection}/{id} answer, as Xero's JSON. Raises SchemaError."""
    if not isinstance(payload, dict) or not isinstance(payload.get(collection), list) or len(payload[collection]) != 1:
        raise SchemaError(f"expected one element in {collection}")
    document = payload[collection][0]
    if not isinstance(document, dict):
        raise SchemaError(f"the {collection} element is not an object")
    return _objects(document, "LineItems", record_id=str(document.get("QuoteID") or document.get("InvoiceID") or ""))
