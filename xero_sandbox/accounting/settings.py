"""/Organisation and /Currencies."""

import re
from datetime import datetime
from typing import Any

from xero_sandbox import msdate
from xero_sandbox.accounting import listing, writes
from xero_sandbox.accounting.results import ApiResult, ElementInvalid, ok
from xero_sandbox.store import Event, TenantData

Record = dict[str, Any]

_VERSIONS = {"GB": "UK", "NZ": "NZ", "AU": "AU", "US": "US"}
_COUNTRY_BY_CURRENCY = {"GBP": "GB", "NZD": "NZ", "AUD": "AU", "USD": "US"}


def organisation_record(
    *,
    tenant_id: str,
    name: str,
    base_currency: str,
    short_code: str,
    timezone: str,
    country_code: str,
    created: datetime,
) -> dict:
    """The Organisation record Xero returns for a sandbox tenant.

    ``timezone`` may be a Windows name ("GMT Standard Time"), Xero's enum form ("GMTSTANDARDTIME") or an IANA name
    ("Europe/London"); it is stored in Xero's enum form. An empty country code is derived from the base currency.
    Raises ValueError for an unknown timezone.
    """
    country = country_code or _COUNTRY_BY_CURRENCY.get(base_currency, "GB")
    return {
        "OrganisationID": tenant_id,
        "Name": name,
        "LegalName": name,
        "PaysTax": True,
        "Version": _VERSIONS.get(country, "GLOBAL"),
        "OrganisationType": "COMPANY",
        "BaseCurrency": base_currency,
        "CountryCode": country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUAL" if country != "GB" else "INVOICE",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": msdate.format_datetime(created),
        "OrganisationEntityType": "COMPANY",
        "Timezone": msdate.windows_timezone(timezone),
        "ShortCode": short_code,
        "Class": "DEMO",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Sandbox organisation",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }


def get_organisation(*, data: TenantData) -> ApiResult:
    """GET /Organisation."""
    return ok({"Organisations": [dict(data.organisation)]})


def list_currencies(*, data: TenantData, query: dict[str, list[str]]) -> ApiResult:
    """GET /Currencies (where/order supported)."""
    return ok({"Currencies": [dict(currency) for currency in listing.refine(data.currencies, query=query)]})


def _currency_save(data: TenantData, element: Record) -> tuple[Record, list[Event]]:
    code = element.get("Code")
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
        raise ElementInvalid(["Code must be a three-letter ISO currency code."])
    return dict(data.enable_currency(code)), []


def write_currencies(*, data: TenantData, query: dict[str, list[str]], body: bytes, now: datetime) -> ApiResult:
    """PUT /Currencies (bare ``{"Code": "USD"}`` or wrapped)."""
    del now
    elements = writes.parse_elements(body, "Currencies")
    return writes.run_batch(
        collection="Currencies",
        elements=elements,
        id_field=None,
        query=query,
        save=lambda element: _currency_save(data, element),
    )
