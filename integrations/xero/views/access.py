"""Who may use the Xero settings pages."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpResponse
from django.shortcuts import render

from accounts.two_factor import TwoFactor, two_factor_of
from web.http import HtmxHttpRequest

View = Callable[..., HttpResponse]


def admin_with_mfa_required(view: View) -> View:
    """Only admins who signed in with two-factor authentication may change the Xero link; others get a 403 that
    says why (not an admin, no authenticator, or this session signed in without it)."""

    @wraps(view)
    def guarded(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_admin:
            return render(request, "xero/forbidden.html", {"reason": "admin"}, status=403)
        two_factor = two_factor_of(request)
        if two_factor != TwoFactor.PASSED:
            return render(request, "xero/forbidden.html", {"reason": two_factor.value}, status=403)
        return view(request, *args, **kwargs)

    return guarded
