from django.http import HttpRequest
from django.utils import timezone

from activity import selectors


def open_task_count(request: HttpRequest) -> dict[str, int]:
    """How many of the signed-in user's open tasks are due today or overdue, for the sidebar (one COUNT query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.headers.get("HX-Request"):
        return {}  # HTMX partials have no sidebar
    return {"tasks_due": selectors.task_due_count(user=user, today=timezone.localdate())}
