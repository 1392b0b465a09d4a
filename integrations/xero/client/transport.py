"""The one way Capsync sends an HTTP request to Xero (healthchecks' transport pattern).

`Transport.request` always passes a timeout, holds one of the organisation's call slots (in_flight.py) when the call
names an organisation, runs the `pace` hook once it holds it, counts the call, keeps Xero's rate-limit headers, and
hands every answer to `raise_for_response`, which turns a failure into one of the errors in `errors.py`. Xero's
identity service answers in OAuth's error format, so `OAuthTransport` overrides only that hook. Nothing here retries
or sleeps: waiting is the caller's decision.
"""

import dataclasses
import logging
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import requests

from integrations.xero import in_flight
from integrations.xero.client.errors import (
    OrganisationAccessRemoved,
    PermissionMissing,
    RateLimited,
    ReconnectNeeded,
    TokenExpired,
    XeroConfigurationError,
    XeroError,
    XeroNotFound,
    XeroUnavailable,
    XeroValidationError,
)
from integrations.xero.client.jsonwire import decode_json, json_bytes

logger = logging.getLogger(__name__)

TIMEOUT = (5, 30)  # connect, read (seconds)
# A 429 without Retry-After (Xero sends one for the minute and day limits only): wait a few seconds, with jitter
# so that workers refused together do not come back together. A minute would stall a sync for nothing.
RETRY_AFTER_MISSING_SECONDS = (2.0, 6.0)
_UNANSWERED = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass(frozen=True)
class RateLimits:
    """What Xero said is left of the tenant's minute and day allowances and the app's minute allowance.

    None until a response carried the header (401/403 answers carry none).
    """

    minute_remaining: int | None = None
    day_remaining: int | None = None
    app_minute_remaining: int | None = None
    # Which call (transport.calls when it began) said so: several calls may be in flight, and the pacer must
    # know how many began after the one whose answer it reads.
    of_call: int = dataclasses.field(default=0, compare=False)  # not part of what Xero said


_LIMIT_HEADERS = {
    "minute_remaining": "X-MinLimit-Remaining",
    "day_remaining": "X-DayLimit-Remaining",
    "app_minute_remaining": "X-AppMinLimit-Remaining",
}


def _retry_after(response: requests.Response) -> float:
    given = response.headers.get("Retry-After", "").strip()
    if given.isdigit():
        return float(given)
    return random.uniform(*RETRY_AFTER_MISSING_SECONDS)


def _called(response: requests.Response) -> str:
    """The resource a response answers, e.g. "Invoices" for .../api.xro/2.0/Invoices/<id>?page=1."""
    path = requests.utils.urlparse(response.url or "").path
    after = path.split("/api.xro/2.0/", 1)[-1]
    return after.strip("/").split("/", 1)[0]


class Transport:
    """Sends requests to Xero for one organisation (`tenant_id`) or none (identity), from one thread or several.

    `calls` counts the HTTP calls made and `limits` holds the latest rate-limit headers. `pace` is called before
    every call, once the call holds its slot: a sync sets it to wait for the organisation's minute allowance
    instead of running into a 429.
    """

    def __init__(
        self, *, tenant_id: str = "", timeout: tuple[float, float] = TIMEOUT, pace: Callable[[], None] | None = None
    ) -> None:
        self.tenant_id = tenant_id
        self.timeout = timeout
        self.pace: Callable[[], None] = pace or (lambda: None)
        self.calls = 0
        self._count_lock = threading.Lock()  # a sync's page prefetcher calls from several threads
        self.limits = RateLimits()
        self._session = requests.Session()

    def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, json_body: Any = None, **kwargs: Any
    ) -> requests.Response:
        """Send one call and return Xero's successful answer.

        `json_body` is sent as JSON with Decimal amounts exact. Raises XeroUnavailable when no answer came (or no
        call slot came free), and whatever `raise_for_response` makes of a failed answer.
        """
        headers = {"Accept": "application/json", **(headers or {})}
        if json_body is not None:
            kwargs["data"] = json_bytes(json_body)
            headers["Content-Type"] = "application/json"
        short = url.rsplit("/", 1)[-1]
        try:
            with self._slot():
                with self._count_lock:
                    self.calls += 1
                    number = self.calls
                # Paced once the slot is held, so the call goes out as soon as the pacer lets it: a pacer counting
                # Xero's minute window needs to know when the call arrives, not when it began to wait for a slot.
                self.pace()
                if self.tenant_id:  # the app's calls a minute, over every organisation and process
                    in_flight.app_call_take()
                response = self._session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except _UNANSWERED as exc:
            raise XeroUnavailable(f"Xero did not answer {method} {short} ({type(exc).__name__})") from exc
        except in_flight.NoSlotFree as exc:
            raise XeroUnavailable(f"Xero was not called ({exc}): too many calls to this organisation") from exc
        self._read_limits(response, number=number)
        self.raise_for_response(response)
        return response

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self.tenant_id:  # identity calls: Xero's concurrent limit is per organisation
            yield
            return
        with in_flight.call_slot(self.tenant_id):
            yield

    def _read_limits(self, response: requests.Response, *, number: int) -> None:
        seen: dict[str, int] = {"of_call": number}
        for field, header in _LIMIT_HEADERS.items():
            value = response.headers.get(header, "").strip()
            if value.isdigit():
                seen[field] = int(value)
        with self._count_lock:  # an answer to an earlier call, arriving late, does not hide a later one's figures
            if len(seen) > 1 and number >= self.limits.of_call:
                self.limits = replace(self.limits, **seen)

    def raise_for_response(self, response: requests.Response) -> None:
        """Turn a non-2xx answer of the accounting API or /connections into the matching XeroError."""
        status = response.status_code
        if status < 400:
            return
        if status == 429:
            raise RateLimited(
                retry_after=_retry_after(response), problem=response.headers.get("X-Rate-Limit-Problem", "")
            )
        content_type = response.headers.get("Content-Type", "")
        if status >= 500:
            if "json" in content_type:
                raise XeroUnavailable(f"Xero answered {status}")
            # A maintenance or proxy error page: say so, the page itself is no use to anyone.
            raise XeroUnavailable(
                f"Xero answered {status} with a body that is not JSON ({content_type or 'no content type'})"
            )
        detail = ""
        if "json" in content_type:
            body = decode_json(response)
            if isinstance(body, dict):
                detail = str(body.get("Detail") or body.get("Message") or body.get("error") or "")
                if status == 400 and body.get("Elements"):
                    raise XeroValidationError(
                        [
                            str(error.get("Message", ""))
                            for element in body["Elements"]
                            for error in element.get("ValidationErrors", [])
                        ]
                    )
        if status == 401 and detail.startswith("TokenExpired"):
            raise TokenExpired(detail)
        if status == 403:
            raise OrganisationAccessRemoved(f"Xero refused access to the organisation (403 {detail or 'no detail'})")
        if status == 401 and detail == "AuthorizationUnsuccessful":
            method, called = response.request.method or "", _called(response)
            raise PermissionMissing(
                f"Xero refused {method} {called} (401 AuthorizationUnsuccessful)", method=method, path=called
            )
        if status == 401:
            raise ReconnectNeeded(f"Xero refused access ({status} {detail or 'no detail'})")
        if status == 400:
            raise XeroValidationError([detail] if detail else [])
        if status == 404:
            raise XeroNotFound(f"Xero has no {response.url.rsplit('/', 1)[-1]!r}")
        raise XeroError(f"Xero answered {status} {detail}".strip())


class OAuthTransport(Transport):
    """Xero's identity service (token and revocation endpoints), whose failures are OAuth error bodies."""

    def raise_for_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 400 or status == 429 or status >= 500:
            super().raise_for_response(response)
            return
        error = ""
        if "json" in response.headers.get("Content-Type", ""):
            body = decode_json(response)
            error = str(body.get("error") or "") if isinstance(body, dict) else ""
        if error == "invalid_grant":
            raise ReconnectNeeded("Xero no longer accepts this consent (invalid_grant)")
        if error == "invalid_client":
            raise XeroConfigurationError("Xero refused Capsync's client id or secret (invalid_client)")
        raise XeroError(f"Xero's identity service refused the request ({error or status})")
