from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """A request as our views see it: signed in (LoginRequiredMiddleware) and with django-htmx's details."""

    htmx: HtmxDetails
    user: User
