"""The benchmark's steps that need Django: link the organisation, run syncs in a worker, change one invoice.

Import this module only after `django.setup()` (bench/__main__.py sets the environment first).
"""

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Team, User
from bench.worker import instrument
from integrations.xero import auth, client, services, webhooks
from integrations.xero.models import SyncRun, XeroConnection
from invoices.models import Invoice
from tests.sandbox import SandboxControl, query_of

BENCH_ROOT = Path(__file__).resolve().parents[1]
DEMO_USER = "demo@example.com"  # the sandbox's user who may connect the Benchmark Org
TENANT_NAME = "Benchmark Org"
WEBHOOK_PATH = "/integrations/xero/webhooks/"


class BenchError(RuntimeError):
    """A step of the benchmark did not do what it must (the message says which)."""


@dataclass(frozen=True)
class Linked:
    connection_id: int
    tenant_id: str
    grant_id: int


@dataclass(frozen=True)
class Calls:
    """What the sandbox's calls log saw between two points: accounting calls by outcome, identity calls."""

    accounting_ok: int
    accounting_429: int
    accounting_other: int
    identity: int
    by_path: dict[str, int]
    server_seconds: float  # the sandbox's own time answering the accounting calls (its calls log)

    @property
    def accounting(self) -> int:
        return self.accounting_ok + self.accounting_429 + self.accounting_other


@dataclass
class WorkerResult:
    kind: str
    wall_seconds: float
    max_rss_kib: int
    exit_code: int
    payload: dict[str, Any]
    run: SyncRun
    calls: Calls
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)


def postgres_version() -> str:
    with db_connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


def calls_mark(sandbox: SandboxControl) -> int:
    """The id of the sandbox's latest logged call: count from here."""
    return int(sandbox.calls(since_id=2**62)["last_id"])


def calls_since(sandbox: SandboxControl, since_id: int) -> Calls:
    ok = refused = other = identity = 0
    server_seconds = 0.0
    by_path: dict[str, int] = {}
    for call in sandbox.calls(since_id=since_id)["calls"]:
        path = call["path"]
        if path.startswith("/api/api.xro/"):
            status = int(call["status"])
            ok += 200 <= status < 300
            refused += status == 429
            other += not (200 <= status < 300 or status == 429)
            resource = path.removeprefix("/api/api.xro/2.0/").split("/")[0]
            by_path[resource] = by_path.get(resource, 0) + 1
            server_seconds += float(call["duration_ms"]) / 1000
        else:
            identity += 1
    return Calls(accounting_ok=ok, accounting_429=refused, accounting_other=other, identity=identity,
                 by_path=by_path, server_seconds=server_seconds)


def connect(sandbox: SandboxControl) -> Linked:
    """Link the Benchmark Org as the wizard does: an admin and a team, consent at Xero, then the three services."""
    tenant_id = next(
        (tenant["tenant_id"] for tenant in sandbox.state()["tenants"] if tenant["name"] == TENANT_NAME), None
    )
    if tenant_id is None:
        raise BenchError(f"the sandbox has no organisation called {TENANT_NAME!r}")
    admin = User.objects.create_superuser(email="bench-admin@example.com", password=secrets.token_urlsafe(16))
    team = Team.objects.create(name="Xero customers")
    team.members.add(admin)

    identity = client.identity_from_settings()
    state = secrets.token_urlsafe(32)
    verifier, challenge = client.pkce_pair()
    redirect = sandbox.authorize(
        client_id=identity.client_id, redirect_uri=identity.redirect_uri, scope=" ".join(settings.XERO_SCOPES),
        state=state, code_challenge=challenge, code_challenge_method="S256", tenant_ids=[tenant_id],
        user_email=DEMO_USER,
    )
    params = query_of(redirect)
    if params.get("state") != state or "code" not in params:
        raise BenchError(f"the sandbox's consent did not come back with our state and a code: {redirect}")

    consent = services.consent_complete(
        identity=identity, code=params["code"], code_verifier=verifier, user_id=admin.pk, now=timezone.now()
    )
    linked = services.connections_link(
        grant_id=consent.grant_id, tenants=consent.tenants, chosen_tenant_ids=[tenant_id], identity=identity,
        user_id=admin.pk, clock=timezone.now,
    )
    connection = linked[0].connection
    services.connection_configure(
        connection_id=connection.pk, suppliers=XeroConnection.Suppliers.IGNORE, default_team_id=team.pk,
        sync_interval_seconds=2 * 60 * 60, push_crm_edits=False,
    )
    return Linked(connection_id=connection.pk, tenant_id=tenant_id, grant_id=consent.grant_id)


def sync_in_worker(
    *, sandbox: SandboxControl, connection_id: int, kind: str, log_dir: Path, profile: Path | None = None
) -> WorkerResult:
    """Run one sync in a child process; measure its wall time and peak RSS (from wait4) and the calls it made."""
    log = log_dir / f"worker-{kind}.log"
    command = [sys.executable, "-m", "bench.worker", "--connection", str(connection_id), "--kind", kind]
    if profile:
        command += ["--profile", str(profile)]
    since = calls_mark(sandbox)
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=BENCH_ROOT, stdout=output, stderr=subprocess.STDOUT, env=os.environ)
        # wait4 gives this child's own rusage; Popen.wait would not.
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    if not lines:
        raise BenchError(f"the {kind} sync worker exited {process.returncode} without a result; see {log}")
    payload = json.loads(lines[-1])
    return WorkerResult(
        kind=kind, wall_seconds=wall, max_rss_kib=usage.ru_maxrss, exit_code=process.returncode, payload=payload,
        run=SyncRun.objects.get(pk=payload["run_id"]), calls=calls_since(sandbox, since), log=log,
    )


@dataclass(frozen=True)
class WebhookResult:
    seconds: float
    status_code: int
    run: SyncRun
    calls: Calls
    applied: bool
    timers: dict[str, float]
    timer_calls: dict[str, int]


def webhook_change(*, sandbox: SandboxControl, linked: Linked, webhook_key: str) -> WebhookResult:
    """Change one invoice in Xero, deliver a signed webhook for it to the receiver, and time the sync it runs.

    Celery runs eagerly in this process (CELERY_TASK_ALWAYS_EAGER), so the POST returns once the webhook sync
    has finished: its time is the change's time from delivery to stored.
    """
    invoice = (
        Invoice.objects.filter(connection_id=linked.connection_id, kind="invoice", type="ACCREC", status="AUTHORISED")
        .order_by("pk")
        .first()
    )
    if invoice is None:
        raise BenchError("the initial sync stored no authorised sales invoice to change")
    access_token = auth.grant_access_token(grant_id=linked.grant_id, identity=client.identity_from_settings(),
                                           now=timezone.now())
    response = sandbox.api("GET", f"Invoices/{invoice.xero_id}", access_token=access_token,
                           tenant_id=linked.tenant_id)
    response.raise_for_status()
    record = response.json()["Invoices"][0]
    reference = f"bench {secrets.token_hex(4)}"
    record["Reference"] = reference
    record.pop("UpdatedDateUTC", None)  # the sandbox stamps the change with its clock
    sandbox.load(linked.tenant_id, {"Invoices": [record]})

    body = json.dumps({
        "events": [{
            "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{invoice.xero_id}",
            "resourceId": invoice.xero_id, "eventDateUtc": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
            "eventType": "UPDATE", "eventCategory": "INVOICE", "tenantId": linked.tenant_id,
            "tenantType": "ORGANISATION",
        }],
        "firstEventSequence": 1, "lastEventSequence": 1, "entropy": secrets.token_hex(10).upper(),
    }).encode()
    timers = instrument()
    # Celery's eager send still builds a broker connection, and kombu warns that memory:// names no host.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    since = calls_mark(sandbox)
    started = time.perf_counter()
    # The receiver view itself, without the URLconf (which would import every app's views), as Xero would call it.
    request = RequestFactory().post(WEBHOOK_PATH, body, content_type="application/json",
                                    headers={"x-xero-signature": _sign(body, webhook_key)})
    answer = webhooks.receive(request)
    seconds = time.perf_counter() - started
    run = SyncRun.objects.filter(connection_id=linked.connection_id, kind=SyncRun.Kind.WEBHOOK).order_by("-pk").first()
    if run is None:
        raise BenchError(f"the webhook delivery (HTTP {answer.status_code}) ran no webhook sync")
    invoice.refresh_from_db()
    return WebhookResult(seconds=seconds, status_code=answer.status_code, run=run, calls=calls_since(sandbox, since),
                         applied=invoice.reference == reference, timers=timers.seconds, timer_calls=timers.calls)


def _sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
