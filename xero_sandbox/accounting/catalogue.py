"""What invoices are built from: /Items, /Accounts, /TaxRates, /TrackingCategories and /BrandingThemes (reads).

Choices where Xero's docs are silent (docs/xero.md, "The sandbox's catalogue"): lists are in the order of Code
(Items, Accounts), Name (TaxRates, TrackingCategories) or SortOrder (BrandingThemes) unless ``order`` says
otherwise; ``GET /Accounts`` lists ARCHIVED accounts too; tracking categories and options that are ARCHIVED are
left out unless ``includeArchived=true`` (the spec's words), and DELETED ones never show.
"""

from decimal import Decimal
from typing import Any

from xero_sandbox import guid
from xero_sandbox.accounting import listing
from xero_sandbox.accounting.results import FOUR_DP, ApiResult, money, not_found, ok
from xero_sandbox.store import TenantData

Record = dict[str, Any]


def _unit_dp(query: dict[str, list[str]]) -> int:
    return listing.query_int(query, "unitdp") or 2


def render_item(record: Record, *, unit_dp: int) -> Record:
    """An item as Xero returns it: unit prices to 2 dp unless ``unitdp=4`` (the spec's Purchase.UnitPrice)."""
    view = dict(record)
    for name in ("SalesDetails", "PurchaseDetails"):
        details = dict(view.get(name) or {})
        price = details.get("UnitPrice")
        if isinstance(price, Decimal):
            details["UnitPrice"] = price.quantize(FOUR_DP) if unit_dp >= 4 else money(price)
        view[name] = details
    return view


def list_items(*, data: TenantData, query: dict[str, list[str]], headers: dict[str, str]) -> ApiResult:
    """GET /Items (where, order, unitdp, If-Modified-Since)."""
    records = sorted(data.items.records.values(), key=lambda item: str(item.get("Code", "")))
    records = listing.refine(records, query=query, headers=headers)
    unit_dp = _unit_dp(query)
    return ok({"Items": [render_item(record, unit_dp=unit_dp) for record in records]})


def get_item(*, data: TenantData, ref: str, query: dict[str, list[str]]) -> ApiResult:
    """GET /Items/{ItemID or Code}."""
    record = data.find_item(ref)
    if record is None:
        return not_found()
    return ok({"Items": [render_item(record, unit_dp=_unit_dp(query))]})


def list_accounts(*, data: TenantData, query: dict[str, list[str]], headers: dict[str, str]) -> ApiResult:
    """GET /Accounts (where, order, If-Modified-Since); archived accounts are listed with their Status."""
    records = sorted(data.accounts, key=lambda account: str(account.get("Code", "")))
    return ok({"Accounts": [dict(record) for record in listing.refine(records, query=query, headers=headers)]})


def get_account(*, data: TenantData, account_id: str) -> ApiResult:
    """GET /Accounts/{AccountID}."""
    wanted = guid.canonical(account_id)
    for account in data.accounts:
        if wanted is not None and account["AccountID"].lower() == wanted:
            return ok({"Accounts": [dict(account)]})
    return not_found()


def list_tax_rates(*, data: TenantData, query: dict[str, list[str]]) -> ApiResult:
    """GET /TaxRates (where, order)."""
    records = sorted(data.tax_rates, key=lambda rate: str(rate.get("Name", "")))
    return ok({"TaxRates": [dict(record) for record in listing.refine(records, query=query)]})


def get_tax_rate(*, data: TenantData, tax_type: str) -> ApiResult:
    """GET /TaxRates/{TaxType}."""
    rate = data.find_tax_rate(tax_type.upper())
    if rate is None:
        return not_found()
    return ok({"TaxRates": [dict(rate)]})


def _tracking_view(category: Record, *, include_archived: bool) -> Record:
    shown = {"ACTIVE", "ARCHIVED"} if include_archived else {"ACTIVE"}
    options = [dict(option) for option in category.get("Options") or [] if option.get("Status") in shown]
    return {**category, "Options": options}


def list_tracking_categories(*, data: TenantData, query: dict[str, list[str]]) -> ApiResult:
    """GET /TrackingCategories (where, order, includeArchived)."""
    include_archived = bool(listing.query_bool(query, "includeArchived"))
    shown = {"ACTIVE", "ARCHIVED"} if include_archived else {"ACTIVE"}
    records = sorted(
        (category for category in data.tracking_categories if category.get("Status") in shown),
        key=lambda category: str(category.get("Name", "")),
    )
    records = listing.refine(records, query=query)
    return ok({"TrackingCategories": [_tracking_view(record, include_archived=include_archived) for record in records]})


def get_tracking_category(*, data: TenantData, category_id: str) -> ApiResult:
    """GET /TrackingCategories/{TrackingCategoryID}: the category with its active and archived options."""
    wanted = guid.canonical(category_id)
    for category in data.tracking_categories:
        if wanted is not None and category["TrackingCategoryID"] == wanted and category.get("Status") != "DELETED":
            return ok({"TrackingCategories": [_tracking_view(category, include_archived=True)]})
    return not_found()


def list_branding_themes(*, data: TenantData) -> ApiResult:
    """GET /BrandingThemes."""
    records = sorted(data.branding_themes, key=lambda theme: int(theme.get("SortOrder", 0)))
    return ok({"BrandingThemes": [dict(record) for record in records]})


def get_branding_theme(*, data: TenantData, theme_id: str) -> ApiResult:
    """GET /BrandingThemes/{BrandingThemeID}."""
    wanted = guid.canonical(theme_id)
    for theme in data.branding_themes:
        if wanted is not None and theme["BrandingThemeID"].lower() == wanted:
            return ok({"BrandingThemes": [dict(theme)]})
    return not_found()
