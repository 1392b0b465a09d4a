"""What invoices are built from: /Items (reads and writes), /Accounts, /TaxRates, /TrackingCategories and
/BrandingThemes (reads).

Choices where Xero's docs are silent (docs/xero.md, "The sandbox's catalogue"): lists are in the order of Code
(Items, Accounts), Name (TaxRates, TrackingCategories) or SortOrder (BrandingThemes) unless ``order`` says
otherwise; ``GET /Accounts`` lists ARCHIVED accounts too; tracking categories and options that are ARCHIVED are
left out unless ``includeArchived=true`` (the spec's words), and DELETED ones never show.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xero_sandbox import guid, msdate
from xero_sandbox.accounting import lines, listing, writes
from xero_sandbox.accounting.results import FOUR_DP, TWO_DP, ApiResult, ElementInvalid, money, not_found, ok, to_decimal
from xero_sandbox.store import Event, TenantData

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


# --- item writes -------------------------------------------------------------------------------------------------

_ITEM_WRITABLE = frozenset(
    {
        "Code",
        "Name",
        "Description",
        "PurchaseDescription",
        "SalesDetails",
        "PurchaseDetails",
        "IsSold",
        "IsPurchased",
        "InventoryAssetAccountCode",
    }
)
_ITEM_LIMITS = {"Code": 30, "Name": 50, "Description": 4000, "PurchaseDescription": 4000}
# Tradify's and FieldInsight's Xero error pages quote it for items; the duplicate-code wording is unverified.
ITEM_ACCOUNT_NOT_VALID = "Account code '{code}' does not exist or cannot be applied to items."
ITEM_CODE_TAKEN = "Item code '{code}' already exists."


def _item_account_errors(data: TenantData, code: Any, *, inventory: bool = False) -> list[str]:
    account = data.find_account(account_id=None, code=code) if isinstance(code, str) else None
    usable = (
        account is not None
        and account.get("Status", "ACTIVE") == "ACTIVE"
        and account.get("Type") != "BANK"
        and (account.get("Type") == "INVENTORY") == inventory
    )
    return [] if usable else [ITEM_ACCOUNT_NOT_VALID.format(code=code)]


def _item_details(data: TenantData, details: Any, *, name: str, unit_dp: int, errors: list[str]) -> Record:
    if details is None:
        return {}
    if not isinstance(details, dict):
        errors.append(f"{name} must be an object.")
        return {}
    out = {key: details[key] for key in ("UnitPrice", "AccountCode", "COGSAccountCode", "TaxType") if key in details}
    if out.get("UnitPrice") is not None:
        price = to_decimal(out["UnitPrice"], field_name=f"{name}.UnitPrice")
        out["UnitPrice"] = price.quantize(FOUR_DP if unit_dp >= 4 else TWO_DP, rounding=ROUND_HALF_UP)
    for key in ("AccountCode", "COGSAccountCode"):
        if out.get(key):
            errors.extend(_item_account_errors(data, out[key]))
    tax_type = out.get("TaxType")
    if tax_type:
        rate = data.find_tax_rate(tax_type) if isinstance(tax_type, str) else None
        if rate is None or rate.get("Status", "ACTIVE") != "ACTIVE":
            errors.append(lines.TAX_NOT_VALID.format(tax=tax_type))
    return out


def item_save(
    *,
    data: TenantData,
    element: Record,
    now: datetime,
    create_only: bool,
    item_id: str | None = None,
    unit_dp: int = 2,
) -> tuple[Record, list[Event]]:
    """Create or update one item (PUT creates; POST updates by ItemID or Code, else creates). Raises ElementInvalid
    (nothing saved) on a broken rule. Rules from the spec's Item schema: Code required (30), Name (50), descriptions
    (4000); IsSold/IsPurchased default to true, and false clears that side's description and details; an item is
    tracked when it has an INVENTORY asset account and a COGS account."""
    writes.require_shapes(
        element,
        strings=("ItemID", "Code", "Name", "Description", "PurchaseDescription", "InventoryAssetAccountCode"),
        objects=("SalesDetails", "PurchaseDetails"),
    )
    ref = item_id or element.get("ItemID")
    existing = data.items.get(ref) if ref else None
    if ref and existing is None:
        raise ElementInvalid([f"Item with ID {ref} could not be found."])
    code = element.get("Code")
    holder = data.find_item(code) if isinstance(code, str) and code else None
    if existing is None and holder is not None and not create_only:
        existing = holder  # POST /Items with a known Code updates that item
    if holder is not None and holder is not existing:
        raise ElementInvalid([ITEM_CODE_TAKEN.format(code=code)])
    merged: Record = dict(existing) if existing else {"IsSold": True, "IsPurchased": True}
    merged.update({key: value for key, value in element.items() if key in _ITEM_WRITABLE})
    errors: list[str] = []
    if not merged.get("Code"):
        errors.append("Item code must be specified.")
    for name, limit in _ITEM_LIMITS.items():
        if isinstance(merged.get(name), str) and len(merged[name]) > limit:
            errors.append(f"{name} must not exceed {limit} characters.")
    for flag in ("IsSold", "IsPurchased"):
        if not isinstance(merged.get(flag), bool):
            errors.append(f"{flag} must be true or false.")
    sales = _item_details(data, merged.get("SalesDetails"), name="SalesDetails", unit_dp=unit_dp, errors=errors)
    purchases = _item_details(
        data, merged.get("PurchaseDetails"), name="PurchaseDetails", unit_dp=unit_dp, errors=errors
    )
    inventory = merged.get("InventoryAssetAccountCode")
    if inventory:
        errors.extend(_item_account_errors(data, inventory, inventory=True))
        if not purchases.get("COGSAccountCode"):
            errors.append("A COGSAccountCode is required in PurchaseDetails for a tracked item.")
    if errors:
        raise ElementInvalid(list(dict.fromkeys(errors)))
    if merged["IsSold"] is False:
        sales = {}
        merged.pop("Description", None)
    if merged["IsPurchased"] is False:
        purchases = {}
        merged.pop("PurchaseDescription", None)
    merged.update(
        ItemID=existing["ItemID"] if existing else data.make_id(),
        SalesDetails=sales,
        PurchaseDetails=purchases,
        IsTrackedAsInventory=bool(inventory and purchases.get("COGSAccountCode")),
        UpdatedDateUTC=msdate.format_datetime(now),
    )
    merged.setdefault("Name", merged["Code"])
    data.save("Items", merged)
    return render_item(merged, unit_dp=unit_dp), []


def write_items(
    *, data: TenantData, method: str, item_id: str | None, query: dict[str, list[str]], body: bytes, now: datetime
) -> ApiResult:
    """PUT /Items, POST /Items, POST /Items/{ItemID or Code}."""
    if item_id is not None:
        found = data.find_item(item_id)
        if found is None:
            return not_found()
        item_id = found["ItemID"]
    unit_dp = _unit_dp(query)
    return writes.run_batch(
        collection="Items",
        elements=writes.parse_elements(body, "Items"),
        id_field="ItemID",
        query=query,
        save=lambda element: item_save(
            data=data, element=element, now=now, create_only=method == "PUT", item_id=item_id, unit_dp=unit_dp
        ),
    )
