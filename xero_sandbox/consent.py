"""Xero's authorize step: parameter checks, the HTML login + consent page, and consent without a browser.

A consent records connections (user, app, tenant) and issues a single-use authorisation code.
"""

import html
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from xero_sandbox.records import App, AuthCode, User
from xero_sandbox.state import Sandbox
from xero_sandbox.wire import Request, Response, html_response, redirect

CODE_SECONDS = 300
SESSION_COOKIE = "xero_sandbox_session"
AUTHORIZE_KEYS = ("client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "nonce")

KNOWN_SCOPES = frozenset(
    {
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.contacts",
        "accounting.contacts.read",
        "accounting.settings",
        "accounting.settings.read",
        "accounting.invoices",
        "accounting.invoices.read",
        "accounting.payments",
        "accounting.payments.read",
        "accounting.banktransactions",
        "accounting.banktransactions.read",
        "accounting.manualjournals",
        "accounting.manualjournals.read",
        "accounting.attachments",
        "accounting.attachments.read",
        "accounting.journals.read",
        "accounting.budgets.read",
        "accounting.reports.read",
        "accounting.reports.aged.read",
        "accounting.reports.balancesheet.read",
        "accounting.reports.profitandloss.read",
        "accounting.reports.trialbalance.read",
        "accounting.reports.tenninetynine.read",
        "accounting.transactions",
        "accounting.transactions.read",
        "files",
        "files.read",
        "assets",
        "assets.read",
        "projects",
        "projects.read",
    }
)


def _with_query(url: str, params: dict[str, str | None]) -> str:
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


# ----- authorize: validation shared by the page and the control API -----


@dataclass(frozen=True)
class AuthorizeParams:
    app: App
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None


class ConsentRefused(ValueError):
    """The user tried to connect an organisation they may not connect."""


class AuthorizeError(Exception):
    """An authorize request that can't go on. With redirect, the error goes back to the client; else an error page."""

    def __init__(self, message: str, *, redirect: str | None = None) -> None:
        super().__init__(message)
        self.redirect = redirect


def check_authorize(sandbox: Sandbox, params: dict[str, str | None]) -> AuthorizeParams:
    """Validate authorize parameters like Xero: bad client or redirect_uri → page error, the rest → redirect."""
    client_id = params.get("client_id") or ""
    redirect_uri = params.get("redirect_uri") or ""
    app = sandbox.apps.get(client_id)
    if app is None:
        raise AuthorizeError("unauthorized_client: unknown client_id")
    if redirect_uri not in app.redirect_uris:
        raise AuthorizeError("invalid redirect_uri: it must match one registered for the app exactly")
    state = params.get("state")
    if (params.get("response_type") or "code") != "code":
        raise AuthorizeError(
            "unsupported_response_type",
            redirect=_with_query(redirect_uri, {"error": "unsupported_response_type", "state": state}),
        )
    scopes = (params.get("scope") or "").split()
    if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
        raise AuthorizeError(
            "invalid_scope", redirect=_with_query(redirect_uri, {"error": "invalid_scope", "state": state})
        )
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or None
    if challenge and (method or "plain") != "S256":
        raise AuthorizeError(
            "invalid_request: code_challenge_method must be S256",
            redirect=_with_query(redirect_uri, {"error": "invalid_request", "state": state}),
        )
    return AuthorizeParams(
        app=app,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        code_challenge=challenge,
        code_challenge_method=method if challenge else None,
        nonce=params.get("nonce") or None,
    )


class ConnectionLimitReached(ConsentRefused):
    """The app's tier allows no more connected organisations (Xero shows its connectionLimit page; no redirect)."""

    status = 403

    def __init__(self, app_name: str) -> None:
        super().__init__(
            f"Sorry! {app_name} has reached their Xero connection limit, please let them know so they can connect "
            "more Xero organisations."
        )


def _check_connection_limit(sandbox: Sandbox, *, app: App, tenant_ids: list[str]) -> None:
    """Raise ConnectionLimitReached when the consent would connect the app to more organisations than its tier
    allows. Organisations it is already connected to (by any user) don't count again. Runs under the state's lock
    (Sandbox.consent_record's `check`), so two consents cannot both take the last place."""
    limit = sandbox.limiter.connection_limit
    if limit is None:
        return
    connected = {c.tenant_id for c in sandbox.connections.values() if c.client_id == app.client_id}
    if len(connected | set(tenant_ids)) > limit:
        raise ConnectionLimitReached(app.name)


def consent(
    sandbox: Sandbox,
    *,
    params: AuthorizeParams,
    user: User,
    tenant_ids: list[str],
    deny: bool,
    keep_auth_event: bool = False,
) -> str:
    """Record the user's decision and return the URL Xero would redirect the browser to.

    `keep_auth_event`: an organisation already connected keeps its old authEventId, as real Xero may do when it
    is consented again (GET /connections?authEventId=<this consent> then leaves it out).
    Raises ConsentRefused if the user may not connect one of the organisations.
    """
    if deny:
        return _with_query(params.redirect_uri, {"error": "access_denied", "state": params.state})
    not_allowed = [t for t in tenant_ids if t not in user.tenant_ids]
    if not_allowed:
        raise ConsentRefused(f"user {user.email} may not connect {', '.join(not_allowed)}")
    now = sandbox.now().timestamp()
    auth_event_id = str(uuid.uuid4())
    scopes = sandbox.consent_record(
        user_email=user.email,
        client_id=params.app.client_id,
        scopes=params.scopes,
        tenant_ids=tenant_ids,
        auth_event_id=auth_event_id,
        now=now,
        keep_auth_event=keep_auth_event,
        check=lambda: _check_connection_limit(sandbox, app=params.app, tenant_ids=tenant_ids),
    )
    code = AuthCode(
        code=secrets.token_hex(32).upper(),
        client_id=params.app.client_id,
        redirect_uri=params.redirect_uri,
        scopes=scopes,
        user_email=user.email,
        auth_event_id=auth_event_id,
        expires=now + CODE_SECONDS,
        code_challenge=params.code_challenge,
        code_challenge_method=params.code_challenge_method,
        nonce=params.nonce,
    )
    sandbox.code_add(code)
    return _with_query(
        params.redirect_uri,
        {"code": code.code, "scope": " ".join(scopes), "state": params.state, "session_state": uuid.uuid4().hex},
    )


# ----- the HTML login + consent page -----

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; }}
main {{ max-width: 28rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px;
        box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.3rem; }} label {{ display: block; margin: .6rem 0 .2rem; }}
input[type=email], input[type=password] {{ width: 100%; padding: .5rem; box-sizing: border-box; }}
.org label {{ display: inline; }} .error {{ color: #b00020; }} button {{ margin-top: 1rem; padding: .5rem 1rem; }}
.sandbox {{ font-size: .8rem; color: #666; }}
</style></head>
<body><main><p class="sandbox">xero_sandbox: not the real Xero</p>{content}</main></body></html>"""


def _page(title: str, content: str, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return html_response(status, _PAGE.format(title=html.escape(title), content=content), headers=headers)


def _login_form(request: Request, *, error: str | None = None, email: str = "") -> Response:
    action = html.escape(request.path + "?" + urlencode({k: v[0] for k, v in request.query.items()}))
    error_html = f'<p class="error" id="error" role="alert">{html.escape(error)}</p>' if error else ""
    content = f"""<h1>Log in to Xero</h1>{error_html}
<form method="post" action="{action}">
<input type="hidden" name="step" value="login">
<label for="email">Email address</label>
<input type="email" id="email" name="email" value="{html.escape(email)}" required>
<label for="password">Password</label><input type="password" id="password" name="password" required>
<button type="submit" id="sign-in">Sign in</button>
</form>"""
    return _page("Log in to Xero", content, status=401 if error else 200)


def _consent_form(sandbox: Sandbox, request: Request, params: AuthorizeParams, user: User, error: str = "") -> Response:
    action = html.escape(request.path + "?" + urlencode({k: v[0] for k, v in request.query.items()}))
    orgs = []
    for index, tenant_id in enumerate(user.tenant_ids):
        tenant = sandbox.tenants.get(tenant_id)
        if tenant is None:
            continue
        checked = " checked" if index == 0 else ""
        orgs.append(
            f'<div class="org"><input type="checkbox" id="tenant-{tenant_id}" name="tenant"'
            f' value="{tenant_id}"{checked}>'
            f' <label for="tenant-{tenant_id}">{html.escape(tenant.meta.name)}</label></div>'
        )
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.scopes)
    error_html = f'<p class="error" id="error" role="alert">{html.escape(error)}</p>' if error else ""
    content = f"""<h1>{html.escape(params.app.name)} wants to access your Xero data</h1>{error_html}
<p>Signed in as <span id="user-email">{html.escape(user.email)}</span></p>
<form method="post" action="{action}">
<input type="hidden" name="step" value="consent">
<fieldset><legend>Organisations to connect</legend>{"".join(orgs) or "<p>No organisations available.</p>"}</fieldset>
<p>Permissions requested:</p><ul id="scopes">{scopes}</ul>
<button type="submit" name="action" value="allow" id="allow">Allow access</button>
<button type="submit" name="action" value="deny" id="cancel">Cancel</button>
</form>"""
    return _page("Allow access", content)


def authorize_page(sandbox: Sandbox, request: Request) -> Response:
    """GET/POST /login/identity/connect/authorize."""
    try:
        params = check_authorize(sandbox, {k: request.arg(k) for k in (*AUTHORIZE_KEYS, "response_type")})
    except AuthorizeError as exc:
        if exc.redirect:
            return redirect(exc.redirect)
        return _page(
            "Error",
            f'<h1>Sorry, something went wrong</h1><p class="error" id="error">{html.escape(str(exc))}</p>',
            status=400,
        )
    user = sandbox.session_user(request.cookie(SESSION_COOKIE))
    if request.method == "GET":
        return _consent_form(sandbox, request, params, user) if user else _login_form(request)
    form = request.form_lists()
    step = (form.get("step") or [""])[0]
    if step == "login" or user is None:
        email = (form.get("email") or [""])[0].strip()
        password = (form.get("password") or [""])[0]
        candidate = sandbox.users.get(email)
        if candidate is None or not secrets.compare_digest(candidate.password, password):
            return _login_form(request, error="Your email or password is incorrect", email=email)
        session_id = sandbox.session_start(candidate.email)
        location = request.path + "?" + urlencode({k: v[0] for k, v in request.query.items()})
        return Response(
            status=303,
            headers={
                "Location": location,
                "Set-Cookie": f"{SESSION_COOKIE}={session_id}; Path=/login; HttpOnly; SameSite=Lax",
            },
        )
    action = (form.get("action") or ["allow"])[0]
    tenant_ids = form.get("tenant") or []
    try:
        location = consent(sandbox, params=params, user=user, tenant_ids=tenant_ids, deny=action != "allow")
    except ConnectionLimitReached as exc:
        return _page("Connection limit", f'<h1 id="connection-limit">{html.escape(str(exc))}</h1>', status=403)
    except ConsentRefused as exc:
        return _consent_form(sandbox, request, params, user, error=str(exc))
    return redirect(location)
