"""Line items and document totals, shared by invoices, credit notes and quotes.

Each line is checked against the organisation's catalogue as Xero checks it, in this order: the item (``ItemCode``
must exist; its sales or purchase details fill what the line leaves out), the account (known, usable on a document,
not archived), the tax type (one of the organisation's active rates, allowed on the account's class) and tracking
(at most two categories, each an active category with an active option). Then the amounts: unit amounts to 2 dp (4
with ``unitdp=4``), line amounts, tax per line at the rate's EffectiveRate (an explicit ``TaxAmount`` wins) and the
totals for Exclusive, Inclusive or NoTax. Messages and sources: docs/xero.md, "Line items as Xero checks them".
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xero_sandbox import defaults, guid
from xero_sandbox.accounting.results import FOUR_DP, TWO_DP, ElementInvalid, money, to_decimal
from xero_sandbox.store import TenantData

Record = dict[str, Any]

INVOICE_LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
QUOTE_LINE_AMOUNT_TYPES = {"EXCLUSIVE": "Exclusive", "INCLUSIVE": "Inclusive", "NOTAX": "NoTax"}
MAX_TRACKING = 2  # spec LineItem.Tracking: "Any LineItem can have a maximum of 2 <TrackingCategory> elements"

# Xero's own wording (sources in docs/xero.md, "Line items as Xero checks them").
ACCOUNT_NOT_VALID = "Account code '{code}' is not a valid code for this document."
ACCOUNT_ARCHIVED = (
    "Account code '{code}' has been archived, or has been deleted. Each line item must reference a valid account."
)
ACCOUNT_REQUIRED = "Account code or ID must be specified"
ITEM_NOT_VALID = "Item code '{code}' is not valid"
TAX_NOT_VALID = "The TaxType code {tax} does not exist or cannot be used for this type of transaction."
TAX_NOT_FOR_ACCOUNT = "The TaxType code '{tax}' cannot be used with account code '{code}'."
TRACKING_CATEGORY_UNKNOWN = (
    "Unknown tracking details. A Tracking Category did not match a known Active TrackingCategory"
)
# The option's refusal is worded after the category's (unverified).
TRACKING_OPTION_UNKNOWN = (
    "Unknown tracking details. A Tracking Option did not match a known Active TrackingOption for '{category}'"
)
TRACKING_TOO_MANY = "A line item can have a maximum of 2 tracking categories."


def default_tax_type(*, country: str, sales: bool, no_tax: bool) -> str:
    """The TaxType Xero puts on a line that names none and has no account to take it from."""
    if no_tax:
        return "NONE"
    key = defaults.country_key(country)
    return defaults.SALES_TAX[key] if sales else defaults.PURCHASES_TAX[key]


@dataclass(frozen=True)
class Totals:
    """Computed lines and totals of a document."""

    lines: list[Record]
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal


def _find_account(data: TenantData, line: Record) -> Record | None:
    code, account_id = line.get("AccountCode"), line.get("AccountID")
    return data.find_account(account_id=account_id if isinstance(account_id, str) else None, code=code)


def _apply_item(data: TenantData, line: Record, *, sales: bool, errors: list[str]) -> None:
    """Fill what the line leaves out from its item's sales (or purchase) details; refuse an unknown ItemCode."""
    code = line.get("ItemCode")
    if code in (None, ""):
        return
    item = data.find_item(code) if isinstance(code, str) else None
    if item is None:
        errors.append(ITEM_NOT_VALID.format(code=code))
        return
    details = item.get("SalesDetails" if sales else "PurchaseDetails") or {}
    description = item.get("Description" if sales else "PurchaseDescription") or item.get("Name")
    if not line.get("Description") and description:
        line["Description"] = description
    if line.get("UnitAmount") is None and line.get("LineAmount") is None and details.get("UnitPrice") is not None:
        line["UnitAmount"] = details["UnitPrice"]
    account = details.get("AccountCode") or details.get("COGSAccountCode")
    if not line.get("AccountCode") and not line.get("AccountID") and account:
        line["AccountCode"] = account
    if not line.get("TaxType") and details.get("TaxType"):
        line["TaxType"] = details["TaxType"]
    line["ItemCode"] = item["Code"]
    line["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name", ""), "Code": item["Code"]}


def _check_account(data: TenantData, line: Record, *, errors: list[str]) -> Record | None:
    """The line's account, or None (with the refusal added) when it names an unusable one."""
    if not line.get("AccountCode") and not line.get("AccountID"):
        return None
    account = _find_account(data, line)
    shown = line.get("AccountCode") or line.get("AccountID")
    if account is None or account.get("Type") == "BANK" or account.get("SystemAccount"):
        errors.append(ACCOUNT_NOT_VALID.format(code=shown))
        return None
    if account.get("Status", "ACTIVE") != "ACTIVE":
        errors.append(ACCOUNT_ARCHIVED.format(code=account["Code"]))
        return None
    line["AccountCode"] = account["Code"]
    line["AccountID"] = account["AccountID"]
    return account


def _check_tax(data: TenantData, line: Record, account: Record | None, *, explicit: bool, errors: list[str]) -> Decimal:
    """The rate (percent) of the line's tax type; refusals for a type the organisation lacks or the account
    cannot take (checked only for a type the line or its item chose, not one defaulted from the account)."""
    tax_type = line["TaxType"]
    rate = data.find_tax_rate(tax_type) if isinstance(tax_type, str) else None
    if rate is None or rate.get("Status", "ACTIVE") != "ACTIVE":
        errors.append(TAX_NOT_VALID.format(tax=tax_type))
        return Decimal(0)
    if explicit and account is not None:
        allowed = {"REVENUE": "CanApplyToRevenue", "EXPENSE": "CanApplyToExpenses"}.get(account.get("Class", ""))
        if allowed and rate.get(allowed) is False:
            errors.append(TAX_NOT_FOR_ACCOUNT.format(tax=tax_type, code=account["Code"]))
    return Decimal(str(rate.get("EffectiveRate", 0)))


def _option_of(category: Record, ref: Record) -> Record | None:
    option_id, name = ref.get("TrackingOptionID"), ref.get("Option")
    for option in category.get("Options") or []:
        if isinstance(option_id, str) and option_id and option["TrackingOptionID"] == guid.same_or_lower(option_id):
            return option
        if isinstance(name, str) and option["Name"].casefold() == name.strip().casefold():
            return option
    return None


def _category_of(data: TenantData, ref: Record) -> Record | None:
    category_id, name = ref.get("TrackingCategoryID"), ref.get("Name")
    for category in data.tracking_categories:
        if (
            isinstance(category_id, str)
            and category_id
            and category["TrackingCategoryID"] == guid.same_or_lower(category_id)
        ):
            return category
        if isinstance(name, str) and category["Name"].casefold() == name.strip().casefold():
            return category
    return None


def _check_tracking(data: TenantData, line: Record, *, errors: list[str]) -> list[Record]:
    """The line's tracking as Xero returns it (category and option by id and name); refusals for unknown or
    archived categories and options."""
    given = line.get("Tracking") or []
    if not isinstance(given, list) or not all(isinstance(ref, dict) for ref in given):
        errors.append("Tracking must be an array of tracking categories.")
        return []
    if len(given) > MAX_TRACKING:
        errors.append(TRACKING_TOO_MANY)
        return []
    tracking = []
    for ref in given:
        category = _category_of(data, ref)
        if category is None or category.get("Status") != "ACTIVE":
            errors.append(TRACKING_CATEGORY_UNKNOWN)
            continue
        option = _option_of(category, ref)
        if option is None or option.get("Status") != "ACTIVE":
            errors.append(TRACKING_OPTION_UNKNOWN.format(category=category["Name"]))
            continue
        tracking.append(
            {
                "Name": category["Name"],
                "Option": option["Name"],
                "TrackingCategoryID": category["TrackingCategoryID"],
                "TrackingOptionID": option["TrackingOptionID"],
            }
        )
    return tracking


def _is_description_only(line: Record) -> bool:
    """A line with a description and no amounts (the spec allows it; it needs no account)."""
    return all(line.get(name) is None for name in ("Quantity", "UnitAmount", "LineAmount", "ItemCode"))


def compute(
    *,
    data: TenantData,
    lines: Any,
    line_amount_types: str,
    sales: bool,
    make_id: Callable[[], str],
    unit_dp: int = 2,
    require_account: bool = False,
) -> Totals:
    """Check the lines against the catalogue, then compute LineAmount/TaxAmount per line and the totals.

    ``line_amount_types`` is the invoice casing (Exclusive|Inclusive|NoTax). ``require_account``: every line with
    an amount needs an account (submitted and authorised invoices). Raises ElementInvalid listing every refusal.
    """
    if lines is None:
        lines = []
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise ElementInvalid(["LineItems must be an array of line items."])
    country = data.organisation.get("CountryCode", "")
    no_tax = line_amount_types == "NoTax"
    unit_quantum = FOUR_DP if unit_dp >= 4 else TWO_DP
    errors: list[str] = []
    computed: list[Record] = []
    sum_lines = Decimal(0)
    sum_tax = Decimal(0)
    for line in lines:
        out = dict(line)
        for name in ("ItemCode", "AccountCode", "TaxType", "Description"):
            if out.get(name) is not None and not isinstance(out[name], str):
                errors.append(f"{name} must be a string.")
                out[name] = None
        out["LineItemID"] = str(line.get("LineItemID") or make_id())
        _apply_item(data, out, sales=sales, errors=errors)
        explicit_tax = bool(out.get("TaxType"))
        account = _check_account(data, out, errors=errors)
        if require_account and account is None and not out.get("AccountCode") and not _is_description_only(out):
            errors.append(ACCOUNT_REQUIRED)
        if not out.get("TaxType"):
            default = default_tax_type(country=country, sales=sales, no_tax=no_tax)
            out["TaxType"] = "NONE" if no_tax else (account or {}).get("TaxType") or default
        rate = _check_tax(data, out, account, explicit=explicit_tax, errors=errors)
        out["Tracking"] = _check_tracking(data, out, errors=errors)
        given_quantity = out.get("Quantity")
        quantity = to_decimal(1 if given_quantity is None else given_quantity, field_name="Quantity")
        quantity = quantity.quantize(FOUR_DP, rounding=ROUND_HALF_UP)
        discount = to_decimal(out.get("DiscountRate") or 0, field_name="DiscountRate")
        if out.get("UnitAmount") is not None:
            unit = to_decimal(out["UnitAmount"], field_name="UnitAmount").quantize(unit_quantum, rounding=ROUND_HALF_UP)
            amount = money(quantity * unit * (1 - discount / 100))
        elif out.get("LineAmount") is not None:
            amount = money(to_decimal(out["LineAmount"], field_name="LineAmount"))
            unit = (amount / quantity).quantize(unit_quantum, rounding=ROUND_HALF_UP) if quantity else Decimal(0)
        else:
            unit = Decimal(0).quantize(unit_quantum)
            amount = Decimal("0.00")
        if no_tax:
            tax = Decimal("0.00")
        elif line.get("TaxAmount") is not None and "TaxType" in line:
            tax = money(to_decimal(line["TaxAmount"], field_name="TaxAmount"))
        elif line_amount_types == "Inclusive":
            tax = money(amount - amount / (1 + rate / 100))
        else:
            tax = money(amount * rate / 100)
        out.update(Quantity=quantity, UnitAmount=unit, LineAmount=amount, TaxAmount=tax)
        if discount:
            out["DiscountRate"] = discount
        computed.append(out)
        sum_lines += amount
        sum_tax += tax
    if errors:
        raise ElementInvalid(list(dict.fromkeys(errors)))
    if line_amount_types == "Inclusive":
        total = money(sum_lines)
        sub_total = total - sum_tax
    else:
        sub_total = money(sum_lines)
        total = sub_total + sum_tax
    return Totals(lines=computed, sub_total=sub_total, total_tax=money(sum_tax), total=money(total))
