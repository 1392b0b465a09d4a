"""The sandbox's HTTP server: one port, Xero's three hosts as path prefixes.

- ``/login``    = https://login.xero.com     (authorize page)
- ``/identity`` = https://identity.xero.com  (token, revocation, OpenID configuration, JWKS)
- ``/api``      = https://api.xero.com       (connections, api.xro/2.0)

The /_sandbox control API lives in control.py.

Every non-control request is timed and logged; faults, latency and rate limits are applied here.
"""

import logging
import socket
import struct
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from xero_sandbox import accounting, consent, identity, jsonutil, msdate, xml
from xero_sandbox.control import handle_control
from xero_sandbox.faults import Fault
from xero_sandbox.runtime import Runtime
from xero_sandbox.state import Sandbox
from xero_sandbox.wire import Request, Response, html_response, json_response

logger = logging.getLogger(__name__)

API_PREFIX = "/api/api.xro/2.0"
REDACTED = "***redacted***"
SENSITIVE_FORM_FIELDS = ("client_secret", "refresh_token", "code", "code_verifier", "token")


class SandboxHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with daemon threads and a deep accept queue (bursts from several clients)."""

    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], runtime: Runtime) -> None:
        self.runtime = runtime
        self.sandbox = runtime.sandbox
        super().__init__(address, SandboxRequestHandler)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "xero_sandbox/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        sandbox: Sandbox = self.server.sandbox
        started = time.monotonic()
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self._read_body(),
            client_address=self.client_address[0],
        )
        control = request.path.startswith("/_sandbox")
        try:
            response = handle_control(self.server.runtime, request) if control else handle(sandbox, request)
        except Exception:
            logger.exception("Sandbox request failed")
            response = json_response(
                500, {"Title": "An error occurred", "Detail": "Sandbox internal error", "Status": 500}
            )
        if not control:
            _log_call(sandbox, request, response, query=parts.query, duration=time.monotonic() - started)
        if response.abort:
            self._abort(response.abort)
            return
        self._send(request, response)

    def setup(self) -> None:
        super().setup()
        # Small responses must not wait for a delayed ACK (Nagle): answer in one segment, immediately.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, request: Request, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        # Headers and body leave in one write (end_headers() would flush the headers on their own).
        self._headers_buffer.append(b"\r\n")
        if request.method != "HEAD":
            self._headers_buffer.append(response.body)
        try:
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _abort(self, how: str) -> None:
        """Drop the connection without answering; "reset" makes it a TCP RST (SO_LINGER 0)."""
        self.close_connection = True
        try:
            if how == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
        except OSError:
            logger.debug("socket already gone while aborting")


def _redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in ("authorization", "cookie", "set-cookie") else v) for k, v in headers.items()}


def _redact_form(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    if "=" not in text or text.lstrip().startswith(("{", "[")):
        return text
    fields = parse_qs(text, keep_blank_values=True)
    return "&".join(
        f"{name}={REDACTED if name in SENSITIVE_FORM_FIELDS else ','.join(values)}" for name, values in fields.items()
    )


def _log_call(sandbox: Sandbox, request: Request, response: Response, *, query: str, duration: float) -> None:
    call = {
        "time": sandbox.now().isoformat(),
        "tenant_id": request.headers.get("xero-tenant-id"),
        "client_id": response.log.get("client_id"),
        "method": request.method,
        "path": request.path,
        "query": query,
        "status": 0 if response.abort == "reset" else response.status,
        "duration_ms": round(duration * 1000, 1),
        "fault": response.log.get("fault"),
    }
    if sandbox.record_bodies:
        identity_call = request.path.startswith("/identity")
        call["request_headers"] = _redact_headers(request.headers)
        call["request_body"] = _redact_form(request.body) if identity_call else request.body.decode("utf-8", "replace")
        call["response_headers"] = _redact_headers(response.headers)
        call["response_body"] = response.body.decode("utf-8", "replace")
        if identity_call and response.status == 200 and response.body:
            call["response_body"] = _redact_tokens(response.body)
    sandbox.calls_log.record(call)


def _redact_tokens(body: bytes) -> str:
    """Token responses are logged with their shape but without the secrets."""
    try:
        data = jsonutil.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
    if isinstance(data, dict):
        data = {k: (REDACTED if k in ("access_token", "refresh_token", "id_token") else v) for k, v in data.items()}
    return jsonutil.dumps(data).decode("utf-8")


# ----- Xero endpoints -----


def handle(sandbox: Sandbox, request: Request) -> Response:
    """Apply faults, then route to identity or accounting."""
    tenant_id = request.headers.get("xero-tenant-id")
    counted = bool(tenant_id) and request.path.startswith(API_PREFIX + "/")
    if counted:
        sandbox.limiter.enter_tenant(tenant_id=tenant_id)
    try:
        fault = sandbox.faults.take(path=request.path, method=request.method, tenant_id=tenant_id)
        if fault and fault.kind != "lose-response":
            response = fault_response(sandbox, fault)
        else:
            response = route(sandbox, request)
            if fault:
                response.abort = "close"
        if fault:
            response.log["fault"] = fault.kind
        if "client_id" not in response.log and request.path.startswith("/identity/connect/"):
            basic = request.basic_auth()
            response.log["client_id"] = basic[0] if basic else request.form().get("client_id")
        return response
    finally:
        if counted:
            sandbox.limiter.leave_tenant(tenant_id=tenant_id)


def fault_response(sandbox: Sandbox, fault: Fault) -> Response:
    """The misbehaviour an armed fault asks for (lose-response is handled after processing)."""
    kind = fault.kind
    if kind in ("429-minute", "429-day"):
        problem = "minute" if kind == "429-minute" else "day"
        retry_after = fault.retry_after if fault.retry_after is not None else (60 if problem == "minute" else 3600)
        return Response(
            status=429,
            headers={"Retry-After": str(retry_after), "X-Rate-Limit-Problem": problem, "Content-Type": "text/plain"},
            body=b"",
        )
    if kind == "429-concurrent":  # Xero documents Retry-After for the minute and day limits only
        return Response(
            status=429, headers={"X-Rate-Limit-Problem": "concurrent", "Content-Type": "text/plain"}, body=b""
        )
    if kind == "401-authorization":  # a tier-gated endpoint, or an organisation Xero refuses this app
        return identity.problem(401, "AuthorizationUnsuccessful")
    if kind in ("500", "503"):
        status = int(kind)
        title = "An error occurred" if status == 500 else "Service Unavailable"
        return json_response(
            status,
            {
                "Type": None,
                "Title": title,
                "Status": status,
                "Detail": title,
                "Instance": str(uuid.uuid4()),
                "Extensions": {},
            },
        )
    if kind == "timeout":
        sandbox.stopping.wait(fault.delay_seconds)
        return Response(status=504, headers={"Content-Type": "text/plain"}, body=b"Gateway Timeout")
    if kind == "reset":
        return Response(status=0, abort="reset")
    if kind == "html":
        page = (
            "<!DOCTYPE html><html><head><title>Xero | Service Unavailable</title></head>"
            "<body><h1>We'll be right back</h1></body></html>"
        )
        return html_response(fault.status or 503, page)
    # malformed-json: a body cut off mid-record, as when a proxy truncates a response.
    return Response(
        status=fault.status or 200,
        headers={"Content-Type": "application/json; charset=utf-8"},
        body=b'{"Id":"' + str(uuid.uuid4()).encode() + b'","Status":"OK","ProviderName":"x","Contacts":[{"ContactID":',
    )


def route(sandbox: Sandbox, request: Request) -> Response:
    path = request.path
    method = request.method
    if path == "/login/identity/connect/authorize" and method in ("GET", "POST"):
        return consent.authorize_page(sandbox, request)
    if path == "/identity/connect/token" and method == "POST":
        return identity.token(sandbox, request)
    if path == "/identity/connect/revocation" and method == "POST":
        return identity.revocation(sandbox, request)
    if path == "/identity/.well-known/openid-configuration" and method == "GET":
        return json_response(200, identity.openid_configuration(sandbox))
    if path == "/identity/.well-known/openid-configuration/jwks" and method == "GET":
        return json_response(200, identity.jwks(sandbox))
    if path == "/identity/connect/userinfo" and method == "GET":
        return identity.userinfo(sandbox, request)
    lowered = path.lower().rstrip("/")
    if lowered == "/api/connections" or lowered.startswith("/api/connections/"):
        return connections(sandbox, request)
    if path.startswith(API_PREFIX + "/"):
        return api_call(sandbox, request)
    return Response(
        status=404, headers={"Content-Type": "text/plain"}, body=b"The resource you're looking for cannot be found"
    )


def connections(sandbox: Sandbox, request: Request) -> Response:
    caller = identity.authenticate(sandbox, request)
    if isinstance(caller, Response):
        return caller
    segments = [s for s in request.path.split("/") if s]
    if len(segments) == 2 and request.method == "GET":
        response = identity.connections_list(sandbox, request, caller)
    elif len(segments) == 3 and request.method == "DELETE":
        response = identity.connection_delete(sandbox, caller, unquote(segments[2]))
    else:
        response = Response(status=405)
    response.log["client_id"] = caller.client_id
    return response


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "").lower()


def api_call(sandbox: Sandbox, request: Request) -> Response:
    """An accounting call: token, tenant, scope and rate-limit checks around accounting.handle()."""
    caller = identity.authenticate(sandbox, request)
    if isinstance(caller, Response):
        return caller
    log = {"client_id": caller.client_id}
    tenant_id = request.headers.get("xero-tenant-id", "")
    tenant = sandbox.tenants.get(tenant_id)
    if tenant is None or not sandbox.connection_allows(
        user_email=caller.user.email, client_id=caller.client_id, tenant_id=tenant_id
    ):
        response = identity.problem(403, "AuthenticationUnsuccessful")
        response.log.update(log)
        return response
    segments = [unquote(s) for s in request.path[len(API_PREFIX) + 1 :].split("/") if s]
    resource = segments[0] if segments else ""
    required = accounting.required_scopes(method=request.method, resource=resource)
    if required and not required & caller.scopes:
        response = identity.problem(401, "AuthorizationUnsuccessful")
        response.log.update(log)
        return response
    decision = sandbox.limiter.acquire(client_id=caller.client_id, tenant_id=tenant_id, now=sandbox.now())
    correlation_id = str(uuid.uuid4())
    headers = {**decision.headers, "Xero-Correlation-Id": correlation_id}
    if not decision.allowed:
        headers["X-Rate-Limit-Problem"] = decision.problem or "minute"
        if decision.retry_after is not None:
            headers["Retry-After"] = str(decision.retry_after)
        return Response(status=429, headers={**headers, "Content-Type": "text/plain"}, body=b"", log=log)
    try:
        if sandbox.latency_ms:
            sandbox.stopping.wait(sandbox.latency_ms / 1000)
        app = sandbox.apps.get(caller.client_id)
        app_name = app.name if app else caller.client_id
        now = sandbox.now()
        with tenant.lock:
            result = accounting.handle(
                data=tenant.data,
                method=request.method,
                path=segments,
                query=request.query,
                headers=request.headers,
                body=request.body,
                now=now,
                app_name=app_name,
            )
    finally:
        sandbox.limiter.release(client_id=caller.client_id, tenant_id=tenant_id)
    if request.method != "GET":
        sandbox.tenant_changed(tenant_id=tenant_id, events=result.events)
    headers.update(result.headers)
    body = result.body
    if isinstance(body, bytes | bytearray):
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return Response(status=result.status, headers=headers, body=bytes(body), log=log)
    if body is None:
        return Response(status=result.status, headers=headers, body=b"", log=log)
    if result.status == 200 and isinstance(body, dict):
        body = {
            "Id": correlation_id,
            "Status": "OK",
            "ProviderName": app_name,
            "DateTimeUTC": msdate.format_envelope_datetime(now),
            **body,
        }
    if wants_json(request) or not isinstance(body, dict):
        headers["Content-Type"] = "application/json; charset=utf-8"
        return Response(status=result.status, headers=headers, body=jsonutil.dumps(body), log=log)
    headers["Content-Type"] = "application/xml; charset=utf-8"
    root = "ApiException" if result.status == 400 else "Response"
    return Response(status=result.status, headers=headers, body=xml.render(body, root=root), log=log)
