"""Whether this session signed in with two-factor authentication, which the admin site and the Xero settings need.

Having an authenticator is not enough: a session that signed in some other way (Django's own admin login, before
it was sent through allauth, or a password-only session from before) must not pass for one that gave its code.
allauth records each way a session authenticated (`allauth.account.authentication.get_authentication_records`);
its two-factor step records "mfa".
"""

from enum import StrEnum

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest


class TwoFactor(StrEnum):
    """How the signed-in user of a request stands with two-factor authentication."""

    PASSED = "passed"  # has an authenticator and this session gave its code
    NOT_SET_UP = "mfa"  # has no authenticator
    NOT_USED = "mfa_session"  # has one, but this session signed in without it


def two_factor_of(request: HttpRequest) -> TwoFactor:
    """Whether the request's (signed-in) user uses two-factor authentication and this session passed it."""
    user = request.user
    if not is_mfa_enabled(user):
        return TwoFactor.NOT_SET_UP
    if any(record.get("method") == "mfa" for record in get_authentication_records(request, user)):
        return TwoFactor.PASSED
    return TwoFactor.NOT_USED
