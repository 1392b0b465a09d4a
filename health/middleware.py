"""`/healthz`: 200 when the database and Redis answer, 503 naming the one that failed (JSON either way).

A middleware rather than a URL, and first in MIDDLEWARE, because the callers are probes (compose's health check,
a load balancer) that connect by IP over plain HTTP: they must not meet ALLOWED_HOSTS, the HTTPS redirect, the
session or the login requirement. It reveals only which service failed, never why.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

from health import probes

HEALTHZ_PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.rstrip("/") != HEALTHZ_PATH:
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        checks = probes.services_check()
        healthy = probes.services_healthy(checks)
        response = JsonResponse(
            {"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503
        )
        response["Cache-Control"] = "no-store"
        return response
