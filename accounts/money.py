"""How views apply "who may see money" (the rule itself is `accounts.selectors.user_sees_money`).

One convention for every page and HTMX partial that shows Xero's amounts, to a user who may not see money:
- a read (GET) of a panel that is only money answers 200 with the "withheld" panel (`money_withheld`), so the
  pages that load it lazily stay quiet and say why; a panel that mixes CRM data and money hides the amounts itself;
- an action on money (creating a quote in Xero, making, editing or matching instalments) answers 403
  (`money_required`), its form page too, since it shows the amounts it edits.
"""

from collections.abc import Callable, Sequence
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import user_sees_money


def money_withheld(request: HttpRequest, *, title: str, organisations: Sequence[str] = ()) -> HttpResponse:
    """The panel shown instead of one of amounts: the organisations it is linked in (if given), and why there is
    nothing more; a page of its own without HTMX."""
    htmx = getattr(request, "htmx", False)
    template = "accounts/_money_withheld.html" if htmx else "accounts/money_withheld_page.html"
    return render(request, template, {"title": title, "organisations": organisations})


def money_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse the view (403) to a user who may not see money."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not user_sees_money(user=request.user):
            raise PermissionDenied("Only people who may see money can do this.")
        return view(request, *args, **kwargs)

    return guarded
