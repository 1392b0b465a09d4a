"""Every way a call to Xero can fail, as named exceptions: callers handle outcomes, never HTTP details.

The transport (`transport.py`) turns each answer into one of these; nothing else in Capsync raises them except
`auth.py`, which raises ReconnectNeeded for a grant it already knows is paused.
"""


class XeroError(Exception):
    """Base of every failure talking to Xero."""


class XeroUnavailable(XeroError):
    """Xero did not answer usefully: 5xx, a timeout, a reset connection, or a body that is not JSON."""


class RateLimited(XeroError):
    """A 429. Waiting `retry_after` seconds is the caller's job (sync paces itself); the client never sleeps.

    `retry_after` is Xero's Retry-After when it sent one, otherwise a few seconds with jitter (see transport.py).
    """

    def __init__(self, *, retry_after: float, problem: str) -> None:
        super().__init__(f"Xero rate limit reached ({problem or 'unknown'}); retry after {retry_after:.0f} s")
        self.retry_after = retry_after
        self.problem = problem


class TokenExpired(XeroError):
    """The access token was refused as expired (refresh once, then retry)."""


class ReconnectNeeded(XeroError):
    """The consent is gone (invalid_grant, revoked, or the organisation disconnected): an admin must reconnect."""


class OrganisationAccessRemoved(ReconnectNeeded):
    """Xero refused the organisation to a token it still accepts (403): its access was removed in Xero."""


class PermissionMissing(ReconnectNeeded):
    """Xero refused one call with 401 AuthorizationUnsuccessful.

    Xero says this for a scope the consent lacks, but also for endpoints the app's tier does not include and for
    some organisations or users, where reconnecting does not help (docs/xero.md, "401 AuthorizationUnsuccessful").
    `method` and `path` name the refused call (e.g. "GET", "Invoices"), so `auth.permission_refusal_explain` can
    tell which it was.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class XeroValidationError(XeroError):
    """Xero refused what was sent (400), with its messages as Xero wrote them."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages) or "Xero refused the request")
        self.messages = messages


class XeroNotFound(XeroError):
    """Xero has no such record or connection (404)."""


class XeroConfigurationError(XeroError):
    """Capsync's Xero app credentials are wrong (invalid_client)."""
