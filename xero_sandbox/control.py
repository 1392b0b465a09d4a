"""The /_sandbox control API: JSON in, JSON out, no auth (see README.md for every endpoint)."""

from datetime import UTC, datetime

from xero_sandbox import consent, jsonutil
from xero_sandbox.faults import FaultSpecError
from xero_sandbox.records import Tenant
from xero_sandbox.state import ControlError, Sandbox
from xero_sandbox.wire import Request, Response, json_response


def _parse_when(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def handle_control(sandbox: Sandbox, request: Request) -> Response:
    """/_sandbox/*: JSON in, JSON out, no auth."""
    try:
        body = jsonutil.loads(request.body) if request.body.strip() else {}
    except ValueError:
        return json_response(400, {"error": "body must be JSON"})
    if not isinstance(body, dict):
        return json_response(400, {"error": "body must be a JSON object"})
    try:
        return _control(sandbox, request, body)
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


def _control(sandbox: Sandbox, request: Request, body: dict) -> Response:
    endpoint = request.path[len("/_sandbox") :].strip("/")
    method = request.method
    key = f"{method} {endpoint}"
    if key == "POST apps":
        return json_response(201, sandbox.create_app(body).public())
    if key == "GET apps":
        return json_response(200, {"apps": [a.public() for a in sandbox.apps.values()]})
    if key == "POST users":
        user = sandbox.create_user(body)
        return json_response(
            201,
            {"email": user.email, "name": user.name, "tenant_ids": user.tenant_ids, "xero_userid": user.xero_userid},
        )
    if key == "POST tenants":
        return json_response(201, _tenant_json(sandbox.create_tenant(body)))
    if key == "GET tenants":
        return json_response(200, {"tenants": [_tenant_json(t) for t in sandbox.tenants.values()]})
    if key == "POST authorize":
        return json_response(200, {"redirect": consent.control_authorize(sandbox, body)})
    if key == "POST load":
        loaded = sandbox.load(tenant_id=body["tenant_id"], body=body.get("body") or {}, notify=bool(body.get("notify")))
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
        if not sandbox.options.state_path:
            raise ControlError("started without --state")
        sandbox.save()
        return json_response(200, {"saved": sandbox.options.state_path})
    if sandbox.webhooks and key == "GET webhooks":
        return json_response(200, sandbox.webhooks.report())
    if sandbox.webhooks and key == "POST webhooks/flush":
        return json_response(200, sandbox.webhooks.flush())
    if sandbox.webhooks and key == "POST webhooks/validate":
        return json_response(200, sandbox.webhooks.validate())
    return json_response(404, {"error": f"no control endpoint {key}"})
