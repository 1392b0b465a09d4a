from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notifications import selectors, services
from notifications.models import Notification
from web.http import HtmxHttpRequest


@require_GET
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/notification_list.html",
        {"notifications": selectors.notifications_of(user=request.user)},
    )


@require_POST
def notification_read(request: HtmxHttpRequest, notification_id: int) -> HttpResponse:
    """Mark a notification read and open what it is about."""
    try:
        notification = services.notification_mark_read(
            notification_id=notification_id, user=request.user, now=timezone.now()
        )
    except Notification.DoesNotExist:
        raise Http404("No notification with that id is yours.") from None
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()})
    return redirect(notification.url if notification.url and safe else "notifications:list")


@require_POST
def notifications_read_all(request: HtmxHttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user, now=timezone.now())
    return redirect("notifications:list")
