"""The /_sandbox control API: JSON in, JSON out, no auth (see README.md for every endpoint).

Input is checked here, then handed to the state's methods, so a bad request never half-changes the sandbox.
"""

import uuid
from datetime import UTC, datetime

from xero_sandbox import consent, jsonutil, tenants
from xero_sandbox.faults import FaultSpecError
from xero_sandbox.records import App, Tenant, User
from xero_sandbox.runtime import Runtime
from xero_sandbox.state import Sandbox, TenantExists
from xero_sandbox.store import TenantData
from xero_sandbox.wire import Request, Response, json_response


class ControlError(ValueError):
    """A control-API request that cannot be carried out (the message is returned to the caller)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _parse_when(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ----- checking input -----


def app_from(spec: dict) -> App:
    """The app a POST /_sandbox/apps body describes. Raises ControlError."""
    client_id = spec.get("client_id")
    if not client_id or not isinstance(client_id, str):
        raise ControlError("client_id is required")
    redirect_uris = spec.get("redirect_uris") or []
    if not isinstance(redirect_uris, list) or not all(isinstance(u, str) for u in redirect_uris):
        raise ControlError("redirect_uris must be a list of strings")
    app = App(
        client_id=client_id,
        client_secret=spec.get("client_secret") or "",
        name=spec.get("name") or client_id,
        redirect_uris=redirect_uris,
        webhook_url=spec.get("webhook_url"),
        webhook_key=spec.get("webhook_key"),
    )
    if app.webhook_url and not app.webhook_key:
        raise ControlError("webhook_key is required with webhook_url")
    return app


def user_from(sandbox: Sandbox, spec: dict) -> User:
    """The user a POST /_sandbox/users body describes (its organisations must exist). Raises ControlError."""
    email = spec.get("email")
    password = spec.get("password")
    if not email or not password:
        raise ControlError("email and password are required")
    tenant_ids = spec.get("tenant_ids") or []
    unknown = [t for t in tenant_ids if t not in sandbox.tenants]
    if unknown:
        raise ControlError(f"unknown tenant_ids: {', '.join(unknown)}")
    return User(email=email, password=password, name=spec.get("name") or email.split("@")[0], tenant_ids=tenant_ids)


def tenant_from(spec: dict, *, now: datetime) -> Tenant:
    """A new, empty organisation from a POST /_sandbox/tenants body. Raises ControlError."""
    name = spec.get("name")
    if not name:
        raise ControlError("name is required")
    try:
        meta = tenants.tenant_meta(
            tenant_id=spec.get("tenant_id") or str(uuid.uuid4()),
            name=name,
            base_currency=(spec.get("base_currency") or "GBP").upper(),
            timezone=spec.get("timezone") or "GMT Standard Time",
            now=now,
            code=spec.get("short_code"),
            country_code=spec.get("country_code"),
            tenant_type=spec.get("tenant_type"),
        )
    except tenants.UnknownTimezone as exc:
        raise ControlError(str(exc)) from exc
    return Tenant(meta=meta, data=TenantData(organisation=tenants.organisation_of(meta)))


def _tenant_add(sandbox: Sandbox, spec: dict) -> Tenant:
    try:
        return sandbox.tenant_add(tenant_from(spec, now=sandbox.now()))
    except TenantExists as exc:
        raise ControlError(str(exc), status=409) from exc


def _load(sandbox: Sandbox, *, tenant_id: str, body: dict, notify: bool) -> dict:
    """Load Xero-shaped records into a tenant verbatim; with notify, emit webhooks as if edited in Xero."""
    tenant = sandbox.tenants.get(tenant_id)
    if tenant is None:
        raise ControlError(f"unknown tenant_id {tenant_id}", status=404)
    if not isinstance(body, dict):
        raise ControlError('body must be an object like {"Contacts": [...]}')
    sandbox.tenant_load(tenant, body, notify=notify)
    return {k: len(v) for k, v in body.items() if isinstance(v, list)}


def control_authorize(sandbox: Sandbox, spec: dict) -> str:
    """POST /_sandbox/authorize: consent without the browser; returns the redirect URL."""
    try:
        params = consent.check_authorize(
            sandbox, {k: spec.get(k) for k in consent.AUTHORIZE_KEYS} | {"response_type": "code"}
        )
    except consent.AuthorizeError as exc:
        if exc.redirect:
            return exc.redirect
        raise ControlError(str(exc)) from exc
    tenant_ids = list(spec.get("tenant_ids") or [])
    email = spec.get("user_email")
    if email:
        user = sandbox.users.get(email)
        if user is None:
            raise ControlError(f"unknown user {email}")
    else:
        user = sandbox.user_who_may_connect(tenant_ids) or sandbox.user_allow_tenants(
            User(email="sandbox-user@example.com", password="sandbox", name="Sandbox User", tenant_ids=[]), tenant_ids
        )
    try:
        return consent.consent(
            sandbox,
            params=params,
            user=user,
            tenant_ids=tenant_ids,
            deny=bool(spec.get("deny")),
            keep_auth_event=bool(spec.get("keep_auth_event")),
        )
    except consent.ConsentRefused as exc:
        raise ControlError(str(exc), status=getattr(exc, "status", 400)) from exc


# ----- routing -----


def handle_control(runtime: Runtime, request: Request) -> Response:
    """/_sandbox/*: JSON in, JSON out, no auth."""
    try:
        body = jsonutil.loads(request.body) if request.body.strip() else {}
    except ValueError:
        return json_response(400, {"error": "body must be JSON"})
    if not isinstance(body, dict):
        return json_response(400, {"error": "body must be a JSON object"})
    try:
        return _control(runtime, request, body)
    except ControlError as exc:
        return json_response(exc.status, {"error": str(exc)})
    except FaultSpecError as exc:
        return json_response(400, {"error": str(exc)})
    except (KeyError, TypeError, ValueError) as exc:
        return json_response(400, {"error": f"bad request: {exc}"})


def _tenant_json(tenant: Tenant) -> dict:
    meta = tenant.meta
    return {
        "tenant_id": meta.tenant_id,
        "name": meta.name,
        "short_code": meta.short_code,
        "base_currency": meta.base_currency,
        "timezone": meta.timezone,
        "iana_timezone": meta.iana_timezone,
        "country_code": meta.country_code,
        "tenant_type": meta.tenant_type,
    }


def _control(runtime: Runtime, request: Request, body: dict) -> Response:
    sandbox = runtime.sandbox
    endpoint = request.path[len("/_sandbox") :].strip("/")
    method = request.method
    key = f"{method} {endpoint}"
    if key == "POST apps":
        return json_response(201, sandbox.app_put(app_from(body)).public())
    if key == "GET apps":
        return json_response(200, {"apps": [a.public() for a in sandbox.apps.values()]})
    if key == "POST users":
        user = sandbox.user_put(user_from(sandbox, body))
        return json_response(
            201,
            {"email": user.email, "name": user.name, "tenant_ids": user.tenant_ids, "xero_userid": user.xero_userid},
        )
    if key == "POST tenants":
        return json_response(201, _tenant_json(_tenant_add(sandbox, body)))
    if key == "GET tenants":
        return json_response(200, {"tenants": [_tenant_json(t) for t in sandbox.tenants.values()]})
    if key == "POST authorize":
        return json_response(200, {"redirect": control_authorize(sandbox, body)})
    if key == "POST load":
        notify = bool(body.get("notify"))
        loaded = _load(sandbox, tenant_id=body["tenant_id"], body=body.get("body") or {}, notify=notify)
        return json_response(200, {"loaded": loaded})
    if key == "GET calls":
        since = int(request.arg("since_id") or 0)
        bodies = (request.arg("bodies") or "").lower() in ("1", "true", "yes")
        return json_response(200, sandbox.calls(since_id=since, tenant_id=request.arg("tenant_id"), bodies=bodies))
    if key == "DELETE calls":
        sandbox.clear_calls()
        return json_response(200, {"cleared": True})
    if key == "POST faults":
        return json_response(201, {"fault_id": sandbox.faults.add(body).fault_id})
    if key == "GET faults":
        return json_response(200, {"faults": sandbox.faults.list()})
    if key == "DELETE faults":
        sandbox.faults.clear()
        return json_response(200, {"cleared": True})
    if key == "POST clock":
        if "set" in body:
            sandbox.clock_set(_parse_when(body["set"]))
        elif "advance_seconds" in body:
            sandbox.clock_advance(float(body["advance_seconds"]))
        else:
            raise ControlError('send {"set": iso} or {"advance_seconds": n}')
        return json_response(200, {"now": sandbox.now().isoformat()})
    if key == "GET clock":
        return json_response(200, {"now": sandbox.now().isoformat()})
    if key == "POST reset":
        sandbox.reset()
        return json_response(200, {"reset": True})
    if key == "POST config":
        if "record_bodies" in body:
            sandbox.record_bodies = bool(body["record_bodies"])
        if "latency_ms" in body:
            sandbox.latency_ms = int(body["latency_ms"])
        if "rate_limits" in body:
            sandbox.limiter.enabled = body["rate_limits"] in (True, "xero", "on")
        if "tier" in body:
            try:
                sandbox.limiter.use_tier(str(body["tier"]))
            except ValueError as exc:
                raise ControlError(str(exc)) from exc
        if "limits" in body:
            sandbox.limiter.configure(body["limits"])
        return json_response(
            200,
            {
                "record_bodies": sandbox.record_bodies,
                "latency_ms": sandbox.latency_ms,
                "rate_limits": "xero" if sandbox.limiter.enabled else "off",
                "tier": sandbox.limiter.tier,
                "connection_limit": sandbox.limiter.connection_limit,
                "limits": sandbox.limiter.values(),
            },
        )
    if key == "GET state":
        return json_response(200, sandbox.summary())
    if key == "POST save":
        if not runtime.state_file:
            raise ControlError("started without --state")
        runtime.state_file.save()
        return json_response(200, {"saved": sandbox.options.state_path})
    if key == "GET webhooks":
        return json_response(200, runtime.webhooks.report())
    if key == "POST webhooks/flush":
        return json_response(200, runtime.webhooks.flush())
    if key == "POST webhooks/validate":
        return json_response(200, runtime.webhooks.validate())
    return json_response(404, {"error": f"no control endpoint {key}"})
