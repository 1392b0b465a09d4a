from django.http import HttpRequest

from notifications import selectors


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    """The signed-in user's unread notification count, for the sidebar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_notification_count(user=user)}
