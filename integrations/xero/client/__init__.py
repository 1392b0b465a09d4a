"""The only code that talks HTTP to Xero (or the Xero sandbox, which answers at the same paths).

- `transport.py`: the one way a request is sent (timeout, call slot, pacing hook, `raise_for_response`);
- `errors.py`: every failure as a named XeroError;
- `identity.py`: Xero's identity calls (tokens, revocation, connections);
- `resources.py`: the accounting resources as a table (path, id field, filters, page size);
- `accounting.py`: `XeroClient`, the accounting reads of one organisation; `writes.py` its writes;
- `jsonwire.py`: JSON with exact Decimal amounts.

auth.py decides when to refresh tokens; this package only sends. Callers write `from integrations.xero import
client` and use the names below.
"""

from integrations.xero.client.accounting import XeroClient, if_modified_since
from integrations.xero.client.errors import (
    OrganisationAccessRemoved,
    PermissionMissing,
    RateLimited,
    ReconnectNeeded,
    TokenExpired,
    XeroConfigurationError,
    XeroError,
    XeroNotFound,
    XeroUnavailable,
    XeroValidationError,
)
from integrations.xero.client.identity import XeroIdentity, identity_from_settings
from integrations.xero.client.jsonwire import decode_json, json_bytes
from integrations.xero.client.resources import IDS_PER_CALL, PAGE_SIZE, QUOTES_PAGE_SIZE
from integrations.xero.client.transport import TIMEOUT, RateLimits
from integrations.xero.client.writes import CONTACTS_PER_WRITE, IDEMPOTENCY_KEY_MAX
from integrations.xero.oauth import pkce_pair  # kept here for the wizard until it imports oauth.pkce_pair

__all__ = [
    "CONTACTS_PER_WRITE",
    "IDEMPOTENCY_KEY_MAX",
    "IDS_PER_CALL",
    "PAGE_SIZE",
    "QUOTES_PAGE_SIZE",
    "TIMEOUT",
    "OrganisationAccessRemoved",
    "PermissionMissing",
    "RateLimited",
    "RateLimits",
    "ReconnectNeeded",
    "TokenExpired",
    "XeroClient",
    "XeroConfigurationError",
    "XeroError",
    "XeroIdentity",
    "XeroNotFound",
    "XeroUnavailable",
    "XeroValidationError",
    "decode_json",
    "identity_from_settings",
    "if_modified_since",
    "json_bytes",
    "pkce_pair",
]
