from django.http import HttpRequest

from accounts.selectors import user_sees_money


def money_permission(request: HttpRequest) -> dict[str, bool]:
    """`sees_money` for templates (no query): whether to offer links to money pages, such as "Create quote in
    Xero". It only hides links; the views refuse or withhold by themselves."""
    user = getattr(request, "user", None)
    return {"sees_money": bool(user is not None and user.is_authenticated and user_sees_money(user=user))}
