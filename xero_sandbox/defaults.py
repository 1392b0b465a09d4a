"""The catalogue's records: what every new Xero organisation has before anyone adds anything (a chart of accounts,
the tax rates of its country and the "Standard" branding theme), and catalogue entries loaded or seeded later.

Xero gives each new organisation its country's default chart and tax rates; the sets here are a subset of those,
enough for invoicing (sources and what is unverified: docs/xero.md, "The sandbox's catalogue"). Ids are derived
from the organisation's id (uuid5), so the same organisation always gets the same ids and seeds that draw GUIDs
from a seeded generator are not shifted by them.
"""

import uuid
from decimal import Decimal
from typing import Any

from xero_sandbox import guid

Record = dict[str, Any]

# Account Type -> Class (Xero's "Account Class Types"; Class is read-only and follows the type).
ACCOUNT_CLASSES = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "PAYG": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}

# (TaxType, Name, ReportTaxType, rate %, applies to revenue, applies to expenses) per country. NZ is the spec's
# own GET /TaxRates example; GB and AU follow Xero's default rates for those countries.
_TAX_RATES: dict[str, tuple[tuple[str, str, str, str, bool, bool], ...]] = {
    "GB": (
        ("OUTPUT2", "20% (VAT on Income)", "OUTPUT", "20", True, False),
        ("INPUT2", "20% (VAT on Expenses)", "INPUT", "20", False, True),
        ("RROUTPUT", "5% (VAT on Income)", "OUTPUT", "5", True, False),
        ("RRINPUT", "5% (VAT on Expenses)", "INPUT", "5", False, True),
        ("ZERORATEDOUTPUT", "Zero Rated Income", "OUTPUT", "0", True, False),
        ("ZERORATEDINPUT", "Zero Rated Expenses", "INPUT", "0", False, True),
        ("EXEMPTOUTPUT", "Exempt Income", "EXEMPTOUTPUT", "0", True, False),
        ("EXEMPTINPUT", "Exempt Expenses", "EXEMPTINPUT", "0", False, True),
        ("NONE", "No VAT", "NONE", "0", True, True),
    ),
    "NZ": (
        ("INPUT2", "15% GST on Expenses", "INPUT", "15", False, True),
        ("OUTPUT2", "15% GST on Income", "OUTPUT", "15", True, False),
        ("GSTONIMPORTS", "GST on Imports", "GSTONIMPORTS", "0", False, False),
        ("NONE", "No GST", "NONE", "0", True, True),
        ("ZERORATED", "Zero Rated", "OUTPUT", "0", True, False),
    ),
    "AU": (
        ("OUTPUT", "GST on Income", "OUTPUT", "10", True, False),
        ("INPUT", "GST on Expenses", "INPUT", "10", False, True),
        ("EXEMPTOUTPUT", "GST Free Income", "EXEMPTOUTPUT", "0", True, False),
        ("EXEMPTEXPENSES", "GST Free Expenses", "EXEMPTEXPENSES", "0", False, True),
        ("EXEMPTEXPORT", "GST Free Exports", "EXEMPTEXPORT", "0", True, False),
        ("INPUTTAXED", "Input Taxed", "INPUTTAXED", "0", True, True),
        ("BASEXCLUDED", "BAS Excluded", "BASEXCLUDED", "0", True, True),
        ("GSTONIMPORTS", "GST on Imports", "GSTONIMPORTS", "0", False, False),
    ),
    "": (
        ("OUTPUT", "Tax on Sales", "OUTPUT", "0", True, False),
        ("INPUT", "Tax on Purchases", "INPUT", "0", False, True),
        ("NONE", "Tax Exempt", "NONE", "0", True, True),
    ),
}
_TAX_NAMES = {"GB": "VAT", "NZ": "GST", "AU": "GST", "": "Tax"}
# The tax type a country's sales and purchases default to (the revenue and direct-cost accounts carry them).
SALES_TAX = {"GB": "OUTPUT2", "NZ": "OUTPUT2", "AU": "OUTPUT", "": "NONE"}
PURCHASES_TAX = {"GB": "INPUT2", "NZ": "INPUT2", "AU": "INPUT", "": "NONE"}


def country_key(country: str) -> str:
    """The key of a country's defaults here ("" for a country without its own set)."""
    return country if country in _TAX_RATES else ""


def stable_id(organisation_id: str, name: str) -> str:
    """An id for a default or seeded record, the same every time for the same organisation and name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"xero-sandbox/{organisation_id}/{name}"))


def tax_rates(country: str) -> list[Record]:
    """The tax rates (GET /TaxRates) of a new organisation in this country."""
    key = country_key(country)
    rates = []
    for tax_type, name, report_type, rate, revenue, expenses in _TAX_RATES[key]:
        percent = Decimal(rate).quantize(Decimal("0.0001"))
        rates.append(
            {
                "Name": name,
                "TaxType": tax_type,
                "ReportTaxType": report_type,
                "CanApplyToAssets": expenses,
                "CanApplyToEquity": expenses,
                "CanApplyToExpenses": expenses,
                "CanApplyToLiabilities": True,
                "CanApplyToRevenue": revenue,
                "DisplayTaxRate": percent,
                "EffectiveRate": percent,
                "Status": "ACTIVE",
                "TaxComponents": [
                    {"Name": _TAX_NAMES[key], "Rate": percent, "IsCompound": False, "IsNonRecoverable": False}
                ],
            }
        )
    return rates


def account_record(*, organisation_id: str, updated: str, fields: Record) -> Record:
    """A chart-of-accounts entry as GET /Accounts returns it, from its Code, Name, Type and optional fields."""
    account_type = fields["Type"]
    record: Record = {
        "AccountID": fields.get("AccountID") or stable_id(organisation_id, f"account/{fields['Code']}"),
        "Code": fields["Code"],
        "Name": fields["Name"],
        "Status": fields.get("Status", "ACTIVE"),
        "Type": account_type,
        "TaxType": fields.get("TaxType", "NONE"),
        "Class": ACCOUNT_CLASSES.get(account_type, "ASSET"),
        "EnablePaymentsToAccount": fields.get("EnablePaymentsToAccount", False),
        "ShowInExpenseClaims": fields.get("ShowInExpenseClaims", False),
        "BankAccountType": "BANK" if account_type == "BANK" else "",
        "ReportingCode": fields.get("ReportingCode", ""),
        "HasAttachments": False,
        "UpdatedDateUTC": fields.get("UpdatedDateUTC") or updated,
        "AddToWatchlist": False,
    }
    for name in ("Description", "BankAccountNumber", "CurrencyCode", "SystemAccount"):
        if name in fields:
            record[name] = fields[name]
    return record


def accounts(organisation: Record) -> list[Record]:
    """The chart of accounts (GET /Accounts) of a new organisation: banks, sales, costs and the system accounts."""
    key = country_key(organisation.get("CountryCode", ""))
    sales, purchases = SALES_TAX[key], PURCHASES_TAX[key]
    currency = organisation.get("BaseCurrency", "GBP")
    tax_account = {"GB": "VAT", "NZ": "GST", "AU": "GST"}.get(key, "Sales Tax")
    chart: list[Record] = [
        {"Code": "090", "Name": "Business Bank Account", "Type": "BANK", "BankAccountNumber": "12345678"},
        {"Code": "091", "Name": "Business Savings Account", "Type": "BANK", "BankAccountNumber": "87654321"},
        {
            "Code": "200",
            "Name": "Sales",
            "Type": "REVENUE",
            "TaxType": sales,
            "Description": "Income from any normal business activity",
        },
        {"Code": "260", "Name": "Other Revenue", "Type": "REVENUE", "TaxType": sales},
        {"Code": "270", "Name": "Interest Income", "Type": "REVENUE", "TaxType": "NONE"},
        {"Code": "310", "Name": "Cost of Goods Sold", "Type": "DIRECTCOSTS", "TaxType": purchases},
        {"Code": "400", "Name": "Purchases", "Type": "DIRECTCOSTS", "TaxType": purchases},
        {"Code": "610", "Name": "Accounts Receivable", "Type": "CURRENT", "SystemAccount": "DEBTORS"},
        {"Code": "630", "Name": "Inventory", "Type": "INVENTORY"},
        {"Code": "800", "Name": "Accounts Payable", "Type": "CURRLIAB", "SystemAccount": "CREDITORS"},
        {"Code": "820", "Name": tax_account, "Type": "CURRLIAB", "SystemAccount": "GST"},
    ]
    for entry in chart:
        if entry["Type"] == "BANK":
            entry.update(CurrencyCode=currency, EnablePaymentsToAccount=True)
    updated = organisation.get("CreatedDateUTC") or "/Date(0+0000)/"
    organisation_id = organisation.get("OrganisationID", "")
    return [account_record(organisation_id=organisation_id, updated=updated, fields=entry) for entry in chart]


def branding_themes(organisation: Record) -> list[Record]:
    """Every organisation has the "Standard" theme (SortOrder 0), as in the spec's GET /BrandingThemes example."""
    return [
        {
            "BrandingThemeID": stable_id(organisation.get("OrganisationID", ""), "branding-theme/Standard"),
            "Name": "Standard",
            "Type": "INVOICE",
            "SortOrder": 0,
            "CreatedDateUTC": organisation.get("CreatedDateUTC") or "/Date(0+0000)/",
        }
    ]


def tracking_category_record(*, organisation_id: str, fields: Record) -> Record:
    """A tracking category as GET /TrackingCategories returns it; options may be given as names or objects."""
    name = fields["Name"]
    category_id = guid.same_or_lower(fields.get("TrackingCategoryID") or stable_id(organisation_id, f"tracking/{name}"))
    options = []
    for option in fields.get("Options") or []:
        option = {"Name": option} if isinstance(option, str) else dict(option)
        option_id = option.get("TrackingOptionID") or stable_id(organisation_id, f"tracking/{name}/{option['Name']}")
        options.append(
            {
                "TrackingOptionID": guid.same_or_lower(option_id),
                "Name": option["Name"],
                "Status": option.get("Status", "ACTIVE"),
            }
        )
    return {
        "Name": name,
        "Status": fields.get("Status", "ACTIVE"),
        "TrackingCategoryID": category_id,
        "Options": options,
    }


def _replace_or_add(records: list[Record], record: Record, *, keys: tuple[str, ...]) -> None:
    """Replace the first record matching ``record`` on any of ``keys`` (in order), else append it."""
    for key in keys:
        if not record.get(key):
            continue
        for index, existing in enumerate(records):
            if existing.get(key) == record[key]:
                records[index] = record
                return
    records.append(record)


def merge_catalogue(
    *,
    organisation: Record,
    accounts: list[Record],
    tax_rates: list[Record],
    tracking_categories: list[Record],
    branding_themes: list[Record],
    body: Record,
) -> Record:
    """Merge a ``/_sandbox/load`` body's catalogue into an organisation's lists (changed in place) and return its
    Organisation record: Accounts, TaxRates, TrackingCategories and BrandingThemes replace the entry with the same
    key (id, or Code / TaxType / Name) or are added; ``Organisation`` fields (e.g. PaymentTerms) are merged in."""
    organisation_id = organisation.get("OrganisationID", "")
    updated = organisation.get("CreatedDateUTC") or "/Date(0+0000)/"
    for element in body.get("Accounts") or []:
        account = account_record(organisation_id=organisation_id, updated=updated, fields=element)
        _replace_or_add(accounts, account, keys=("AccountID", "Code"))
    for element in body.get("TaxRates") or []:
        _replace_or_add(tax_rates, dict(element), keys=("TaxType",))
    for element in body.get("TrackingCategories") or []:
        category = tracking_category_record(organisation_id=organisation_id, fields=element)
        _replace_or_add(tracking_categories, category, keys=("TrackingCategoryID", "Name"))
    for element in body.get("BrandingThemes") or []:
        theme = {
            "BrandingThemeID": element.get("BrandingThemeID")
            or stable_id(organisation_id, f"branding-theme/{element['Name']}"),
            "Name": element["Name"],
            "Type": "INVOICE",
            "SortOrder": element.get("SortOrder", len(branding_themes)),
            "CreatedDateUTC": element.get("CreatedDateUTC") or updated,
            **{k: v for k, v in element.items() if k == "LogoUrl"},
        }
        _replace_or_add(branding_themes, theme, keys=("BrandingThemeID", "Name"))
    extra = body.get("Organisation")
    if isinstance(extra, dict):
        return {**organisation, **{k: v for k, v in extra.items() if k != "OrganisationID"}}
    return organisation
