"""Who may use the Xero settings pages."""

from collections.abc import Callable
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpResponse
from django.shortcuts import render

from capsync.http import HtmxHttpRequest

View = Callable[..., HttpResponse]


def admin_with_mfa_required(view: View) -> View:
    """Only admins who use two-factor authentication may change the Xero link; others get a 403 that says why."""

    @wraps(view)
    def guarded(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_admin:
            return render(request, "xero/forbidden.html", {"reason": "admin"}, status=403)
        if not is_mfa_enabled(request.user):
            return render(request, "xero/forbidden.html", {"reason": "mfa"}, status=403)
        return view(request, *args, **kwargs)

    return guarded
