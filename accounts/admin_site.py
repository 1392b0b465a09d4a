"""The admin site, entered only through allauth's sign-in and only with two-factor authentication.

Django's own admin login took an email and a password and gave a full session: no two-factor step and no rate
limit. Here /admin/login/ only sends people to allauth's sign-in (which has both) and back, and every admin page
also needs this session to have passed two-factor authentication (see accounts.two_factor).
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.two_factor import TwoFactor, two_factor_of


class CapsyncAdminSite(admin.AdminSite):
    """Django's admin site for staff whose session passed two-factor authentication."""

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and two_factor_of(request) == TwoFactor.PASSED

    @method_decorator(login_not_required)
    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Never signs anyone in: sends them to allauth's sign-in (two-factor step, rate limits) with `next`."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            # Signed in but not let in: say why, rather than offer a second way to sign in (or loop).
            return redirect(next_url) if self.has_permission(request) else self._refused(request)
        return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")

    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., HttpResponse]:
        """Django's admin_view, but staff signed in without two-factor authentication get a 403 that says what
        to do instead of a redirect to a login page."""
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if (
                request.user.is_authenticated
                and request.user.is_active
                and request.user.is_staff
                and two_factor_of(request) != TwoFactor.PASSED
            ):
                return self._refused(request)
            return inner(request, *args, **kwargs)

        return guarded

    def _refused(self, request: HttpRequest) -> HttpResponse:
        reason = two_factor_of(request).value if request.user.is_staff else "admin"
        return render(request, "accounts/admin_refused.html", {"reason": reason}, status=403)
