"""Pytest plugin: run the Xero sandbox as a subprocess and drive it through its control API.

Fixtures: ``sandbox_server`` (session: the running process), ``sandbox`` (per test: the same server after a reset,
with no faults armed), ``sandbox_tenant`` (an app, user and organisation, connected, with a fresh access token).
No Django imports: this plugin also serves the sandbox's own tests.
"""

import base64
import hashlib
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCOPE = (
    "openid profile email offline_access accounting.contacts accounting.invoices accounting.payments "
    "accounting.settings.read"
)
LISTENING_PREFIX = "xero_sandbox listening on "
START_TIMEOUT_SECONDS = 30
HTTP_TIMEOUT = (5, 30)


class SandboxError(AssertionError):
    """A control-API call failed (the message carries the sandbox's answer)."""


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(url: str) -> dict[str, str]:
    """The first value of each query parameter of a URL (e.g. a redirect)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class SandboxControl:
    """A client for the sandbox's /_sandbox control API, plus the prefix URLs a Xero client would be given."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.login_url = f"{self.url}/login"
        self.identity_url = f"{self.url}/identity"
        self.api_url = f"{self.url}/api"
        self.token_url = f"{self.identity_url}/connect/token"
        self.authorize_url = f"{self.login_url}/identity/connect/authorize"
        self.revocation_url = f"{self.identity_url}/connect/revocation"
        self.accounting_url = f"{self.api_url}/api.xro/2.0"
        self.http = requests.Session()

    # ----- plumbing -----

    def _call(self, method: str, endpoint: str, *, expect: tuple[int, ...] = (200, 201), **kwargs) -> dict:
        response = self.http.request(method, f"{self.url}/_sandbox/{endpoint}", timeout=HTTP_TIMEOUT, **kwargs)
        if response.status_code not in expect:
            raise SandboxError(f"{method} /_sandbox/{endpoint} -> {response.status_code}: {response.text}")
        return response.json() if response.content else {}

    # ----- control API -----

    def create_app(self, **kw) -> dict:
        """Register an app: client_id, client_secret, redirect_uris, name?, webhook_url?, webhook_key?."""
        return self._call("POST", "apps", json=kw)

    def create_user(self, **kw) -> dict:
        """Create a sandbox user: email, password, name?, tenant_ids."""
        return self._call("POST", "users", json=kw)

    def create_tenant(self, **kw) -> dict:
        """Create an organisation: name, base_currency?, short_code?, timezone?, country_code?, tenant_type?."""
        return self._call("POST", "tenants", json=kw)

    def authorize(self, **kw) -> str:
        """Consent without a browser; returns the redirect URL (with code & state, or error=access_denied)."""
        return self._call("POST", "authorize", json=kw)["redirect"]

    def load(self, tenant_id: str, body: dict, notify: bool = False) -> dict:
        """Load Xero-shaped records verbatim, e.g. body={"Contacts": [...]}."""
        return self._call("POST", "load", json={"tenant_id": tenant_id, "body": body, "notify": notify})

    def calls(self, since_id: int = 0, tenant_id: str | None = None, bodies: bool = False) -> dict:
        params: dict[str, str | int] = {"since_id": since_id}
        if tenant_id:
            params["tenant_id"] = tenant_id
        if bodies:
            params["bodies"] = 1
        return self._call("GET", "calls", params=params)

    def clear_calls(self) -> None:
        self._call("DELETE", "calls")

    def fault(self, **kw) -> str:
        """Arm a fault: match (regex on the full path), kind, count?, method?, tenant_id?, delay_seconds?, ..."""
        return self._call("POST", "faults", json=kw)["fault_id"]

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def clock_set(self, dt: datetime) -> datetime:
        return datetime.fromisoformat(self._call("POST", "clock", json={"set": dt.isoformat()})["now"])

    def clock_advance(self, seconds: float) -> datetime:
        return datetime.fromisoformat(self._call("POST", "clock", json={"advance_seconds": seconds})["now"])

    def now(self) -> datetime:
        return datetime.fromisoformat(self._call("GET", "clock")["now"])

    def reset(self) -> None:
        self._call("POST", "reset")

    def config(self, **kw) -> dict:
        """Change settings at run time: record_bodies, latency_ms, rate_limits ("xero"|"off")."""
        return self._call("POST", "config", json=kw)

    def state(self) -> dict:
        return self._call("GET", "state")

    def webhooks(self) -> dict:
        return self._call("GET", "webhooks")

    def flush_webhooks(self) -> dict:
        return self._call("POST", "webhooks/flush")

    def validate_webhooks(self) -> dict:
        return self._call("POST", "webhooks/validate")

    # ----- OAuth helpers -----

    def exchange_code(
        self,
        *,
        code: str,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str,
        code_verifier: str | None = None,
    ) -> requests.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        auth = None
        if client_secret is None:
            data["client_id"] = client_id
        else:
            auth = (client_id, client_secret)
        if code_verifier:
            data["code_verifier"] = code_verifier
        return self.http.post(self.token_url, data=data, auth=auth, timeout=HTTP_TIMEOUT)

    def refresh(self, *, refresh_token: str, client_id: str, client_secret: str) -> requests.Response:
        return self.http.post(
            self.token_url,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(client_id, client_secret),
            timeout=HTTP_TIMEOUT,
        )

    def connect(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        tenant_ids: list[str],
        scope: str = DEFAULT_SCOPE,
        user_email: str | None = None,
    ) -> dict:
        """Authorize + code exchange. Returns {"token": <token response>, "connections": [...], "redirect": url}."""
        state = secrets.token_urlsafe(8)
        redirect = self.authorize(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=state,
            tenant_ids=tenant_ids,
            user_email=user_email,
        )
        params = query_of(redirect)
        if "code" not in params:
            raise SandboxError(f"authorize did not return a code: {redirect}")
        response = self.exchange_code(
            code=params["code"], client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri
        )
        if response.status_code != 200:
            raise SandboxError(f"code exchange failed: {response.status_code} {response.text}")
        token = response.json()
        connections = self.http.get(
            f"{self.api_url}/connections",
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=HTTP_TIMEOUT,
        ).json()
        return {"token": token, "connections": connections, "redirect": redirect}

    def api(
        self,
        method: str,
        path: str,
        *,
        access_token: str,
        tenant_id: str | None,
        accept_json: bool = True,
        **kwargs,
    ) -> requests.Response:
        """Call the accounting API (path relative to api.xro/2.0, e.g. "Contacts")."""
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = f"Bearer {access_token}"
        if tenant_id:
            headers["xero-tenant-id"] = tenant_id
        if accept_json:
            headers.setdefault("Accept", "application/json")
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self.http.request(method, f"{self.accounting_url}/{path.lstrip('/')}", headers=headers, **kwargs)


@dataclass(frozen=True)
class SandboxTenant:
    """An organisation with an app and a user connected to it, ready for API calls."""

    client_id: str
    client_secret: str
    redirect_uri: str
    user_email: str
    user_password: str
    tenant_id: str
    tenant_name: str
    connection_id: str
    access_token: str
    refresh_token: str
    token: dict


class SandboxProcess:
    """A running `python -m xero_sandbox serve` subprocess."""

    def __init__(self, args: list[str], *, cwd: Path = REPO_ROOT, start_timeout: float = START_TIMEOUT_SECONDS) -> None:
        self.args = [sys.executable, "-m", "xero_sandbox", "serve", *args]
        self.process = subprocess.Popen(self.args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._stderr: list[str] = []
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        self.url = self._wait_for_listening_line(start_timeout)

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def _wait_for_listening_line(self, timeout: float) -> str:
        result: list[str] = []

        def read() -> None:
            assert self.process.stdout is not None
            result.append(self.process.stdout.readline())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        line = result[0] if result else ""
        if not line.startswith(LISTENING_PREFIX):
            self.stop()
            self._stderr_thread.join(5)
            raise RuntimeError(f"xero_sandbox did not start ({self.args}):\nstdout: {line!r}\nstderr:\n{self.stderr}")
        return line[len(LISTENING_PREFIX) :].strip()

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit in time (saving a benchmark-sized state takes ~15 s).

        Returns the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxControl]:
    """The sandbox process for the whole session (empty seed, Xero rate limits, bodies recorded)."""
    process = SandboxProcess(["--port", "0", "--seed", "empty", "--rate-limits", "xero", "--record-bodies"])
    try:
        yield SandboxControl(process.url)
    finally:
        process.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxControl) -> SandboxControl:
    """The session sandbox, reset to its seed with no faults armed."""
    sandbox_server.reset()
    sandbox_server.clear_faults()
    return sandbox_server


def make_connected_tenant(
    sandbox: SandboxControl, *, scope: str = DEFAULT_SCOPE, name: str = "Test Org"
) -> SandboxTenant:
    """Create an app, a user and an organisation, connect them, and return the ids and tokens."""
    suffix = secrets.token_hex(4)
    client_id, client_secret = f"app-{suffix}", f"secret-{suffix}"
    redirect_uri = "http://127.0.0.1:8000/integrations/xero/callback/"
    email, password = f"user-{suffix}@example.com", "password"
    tenant = sandbox.create_tenant(name=name)
    sandbox.create_app(
        client_id=client_id, client_secret=client_secret, name=f"App {suffix}", redirect_uris=[redirect_uri]
    )
    sandbox.create_user(email=email, password=password, tenant_ids=[tenant["tenant_id"]])
    connected = sandbox.connect(
        client_id, client_secret, redirect_uri, [tenant["tenant_id"]], scope=scope, user_email=email
    )
    token = connected["token"]
    return SandboxTenant(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        user_email=email,
        user_password=password,
        tenant_id=tenant["tenant_id"],
        tenant_name=tenant["name"],
        connection_id=connected["connections"][0]["id"],
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token", ""),
        token=token,
    )


@pytest.fixture
def sandbox_tenant(sandbox: SandboxControl) -> SandboxTenant:
    """A connected organisation in a freshly reset sandbox."""
    return make_connected_tenant(sandbox)


def wait_for(predicate, *, timeout: float = 5.0, interval: float = 0.05):
    """Poll predicate() until it returns something truthy (bounded); returns that value or fails."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
