from django.http import HttpRequest

from integrations.xero import selectors


def xero_banner(request: HttpRequest) -> dict[str, bool]:
    """Admins see a banner on every page while a Xero organisation needs reconnecting."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_admin:
        return {}
    return {"xero_needs_reconnect": selectors.admin_needs_reconnect_banner()}
