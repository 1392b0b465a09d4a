"""Building an organisation: its TenantMeta (short code, time zone, country) and its accounting Organisation record.

Used by the start seed and by ``POST /_sandbox/tenants``; neither touches the sandbox's state.
"""

import secrets
import string
from datetime import UTC, datetime

from xero_sandbox import accounting, msdate
from xero_sandbox.records import TenantMeta

# The country an organisation is in when only its base currency is given.
CURRENCY_COUNTRY = {
    "GBP": "GB",
    "NZD": "NZ",
    "AUD": "AU",
    "USD": "US",
    "EUR": "IE",
    "ZAR": "ZA",
    "SGD": "SG",
    "CAD": "CA",
}


class UnknownTimezone(ValueError):
    """A time-zone name that is neither a Windows name, Xero's enum value nor an IANA name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown timezone {name!r}")
        self.name = name


def short_code() -> str:
    """A random organisation short code in Xero's form ("!" and five letters or digits)."""
    alphabet = string.ascii_letters + string.digits
    return "!" + "".join(secrets.choice(alphabet) for _ in range(5))


def resolve_timezone(value: str) -> tuple[str, str]:
    """Return (Xero's Organisation.Timezone enum value, IANA name). Raises UnknownTimezone."""
    try:
        windows = msdate.windows_timezone(value)
    except ValueError as exc:
        raise UnknownTimezone(value) from exc
    return windows, msdate.zone_of(windows).key


def tenant_meta(
    *,
    tenant_id: str,
    name: str,
    base_currency: str,
    timezone: str,
    now: datetime,
    code: str | None = None,
    country_code: str | None = None,
    tenant_type: str | None = None,
) -> TenantMeta:
    """An organisation's meta; a missing short code is made up, a missing country follows the currency.

    ``timezone`` may be a Windows name, Xero's enum value or an IANA name. Raises UnknownTimezone.
    """
    tz_name, iana = resolve_timezone(timezone)
    return TenantMeta(
        tenant_id=tenant_id,
        name=name,
        base_currency=base_currency,
        short_code=code or short_code(),
        timezone=tz_name,
        iana_timezone=iana,
        country_code=country_code or CURRENCY_COUNTRY.get(base_currency, "GB"),
        tenant_type=tenant_type or "ORGANISATION",
        created=now.timestamp(),
    )


def organisation_of(meta: TenantMeta) -> dict:
    """The accounting API's Organisation record for this organisation."""
    return accounting.organisation_record(
        tenant_id=meta.tenant_id,
        name=meta.name,
        base_currency=meta.base_currency,
        short_code=meta.short_code,
        timezone=meta.timezone,
        country_code=meta.country_code,
        created=datetime.fromtimestamp(meta.created, UTC),
    )
