"""The parts of OAuth 2.0 that send nothing: PKCE, and scopes as Xero writes them.

The calls themselves (authorise, exchange, refresh, revoke) go through the client (`client/identity.py`); what to
do with tokens is `auth.py`'s business.
"""

import base64
import hashlib
import secrets
from collections.abc import Iterable


def pkce_pair() -> tuple[str, str]:
    """A new PKCE (code_verifier, S256 code_challenge) (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


def scopes_text(scopes: Iterable[str]) -> str:
    """Scopes as Xero's token response writes them: one space-separated string (RFC 6749 section 3.3)."""
    return " ".join(scope for scope in scopes if scope)


def scopes_granted(text: str) -> frozenset[str]:
    """The scopes in a stored or received scope string."""
    return frozenset(text.split())


# Which granular scopes let Capsync call each accounting resource: the write scope includes reading.
# Source: Xero's scopes page (developer.xero.com/documentation/guides/oauth2/scopes), see docs/xero.md.
SCOPES_FOR_RESOURCE = {
    "Contacts": ("accounting.contacts", "accounting.contacts.read"),
    "Invoices": (
        "accounting.invoices",
        "accounting.invoices.read",
        "accounting.transactions",
        "accounting.transactions.read",
    ),
    "CreditNotes": (
        "accounting.invoices",
        "accounting.invoices.read",
        "accounting.transactions",
        "accounting.transactions.read",
    ),
    "Quotes": (
        "accounting.invoices",
        "accounting.invoices.read",
        "accounting.transactions",
        "accounting.transactions.read",
    ),
    "Payments": (
        "accounting.payments",
        "accounting.payments.read",
        "accounting.transactions",
        "accounting.transactions.read",
    ),
    "Organisation": ("accounting.settings", "accounting.settings.read"),
    # The catalogue invoice lines are made of (sync/catalogue.py).
    "Items": ("accounting.settings", "accounting.settings.read"),
    "Accounts": ("accounting.settings", "accounting.settings.read"),
    "TaxRates": ("accounting.settings", "accounting.settings.read"),
    "TrackingCategories": ("accounting.settings", "accounting.settings.read"),
}


def scope_missing_for(resource: str, *, method: str, granted: frozenset[str]) -> str:
    """The scope Capsync needs to `method` `resource` when none of those that allow it was granted, else ""."""
    reading = method.upper() in ("GET", "HEAD")
    allowing = tuple(scope for scope in SCOPES_FOR_RESOURCE.get(resource, ()) if reading or not scope.endswith(".read"))
    if not allowing or granted.intersection(allowing):
        return ""
    return allowing[0]
