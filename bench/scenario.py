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
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from bench.calls import Calls, calls_mark, calls_since
from bench.process import PeakRss
from bench.worker import instrument
from integrations.xero import auth, client, services, webhooks
from integrations.xero.models import SyncRun, XeroConnection
from invoices.models import Invoice
from invoices.money import money_format
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
    team_id: int  # the team the sync assigns new CRM contacts to (connection_configure's default team)


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


def connect(sandbox: SandboxControl) -> Linked:
    """Link the Benchmark Org as the wizard does: an admin and a team, consent at Xero, then the three services."""
    tenant_id = next(
        (tenant["tenant_id"] for tenant in sandbox.state()["tenants"] if tenant["name"] == TENANT_NAME), None
    )
    if tenant_id is None:
        raise BenchError(f"the sandbox has no organisation called {TENANT_NAME!r}")
    connection_ids, grant_id, team_id = link_tenants(sandbox, tenant_ids=[tenant_id])
    return Linked(connection_id=connection_ids[0], tenant_id=tenant_id, grant_id=grant_id, team_id=team_id)


def link_tenants(sandbox: SandboxControl, *, tenant_ids: list[str]) -> tuple[list[int], int, int]:
    """Link the organisations with one consent, as the wizard does (an admin and a team, consent at Xero, then the
    three services); returns the connection ids, the grant id and the team id."""
    admin = User.objects.create_superuser(email="bench-admin@example.com", password=secrets.token_urlsafe(16))
    team = Team.objects.create(name="Xero customers")
    team.members.add(admin)

    identity = client.identity_from_settings()
    state = secrets.token_urlsafe(32)
    verifier, challenge = client.pkce_pair()
    redirect = sandbox.authorize(
        client_id=identity.client_id,
        redirect_uri=identity.redirect_uri,
        scope=" ".join(settings.XERO_SCOPES),
        state=state,
        code_challenge=challenge,
        code_challenge_method="S256",
        tenant_ids=tenant_ids,
        user_email=DEMO_USER,
    )
    params = query_of(redirect)
    if params.get("state") != state or "code" not in params:
        raise BenchError(f"the sandbox's consent did not come back with our state and a code: {redirect}")

    consent = services.consent_complete(
        identity=identity, code=params["code"], code_verifier=verifier, user_id=admin.pk, now=timezone.now()
    )
    linked = services.connections_link(
        grant_id=consent.grant_id,
        tenants=consent.tenants,
        chosen_tenant_ids=tenant_ids,
        identity=identity,
        user_id=admin.pk,
        clock=timezone.now,
    )
    for each in linked:
        services.connection_configure(
            connection_id=each.connection.pk,
            suppliers=XeroConnection.Suppliers.IGNORE,
            default_team_id=team.pk,
            sync_interval_seconds=2 * 60 * 60,
            push_crm_edits=False,
        )
    return [each.connection.pk for each in linked], consent.grant_id, team.pk


def sync_in_worker(
    *, sandbox: SandboxControl, connection_id: int, kind: str, log_dir: Path, profile: Path | None = None
) -> WorkerResult:
    """Run one sync in a child process; measure its wall time, peak RSS (VmHWM) and the calls it made."""
    log = log_dir / f"worker-{kind}.log"
    command = [sys.executable, "-m", "bench.worker", "--connection", str(connection_id), "--kind", kind]
    if profile:
        command += ["--profile", str(profile)]
    since = calls_mark(sandbox)
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=BENCH_ROOT, stdout=output, stderr=subprocess.STDOUT, env=os.environ)
        # The stop runs only after wait() has returned, i.e. once the worker has exited.
        with PeakRss(process.pid) as peak:
            process.wait()
    wall = time.perf_counter() - started
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    if not lines:
        raise BenchError(f"the {kind} sync worker exited {process.returncode} without a result; see {log}")
    payload = json.loads(lines[-1])
    return WorkerResult(
        kind=kind,
        wall_seconds=wall,
        max_rss_kib=peak.kib,
        exit_code=process.returncode,
        payload=payload,
        run=SyncRun.objects.get(pk=payload["run_id"]),
        calls=calls_since(sandbox, since),
        log=log,
    )


@dataclass(frozen=True)
class WebhookResult:
    seconds: float  # delivery to answered (the webhook sync ran inside it)
    status_code: int
    run: SyncRun
    calls: Calls
    applied: bool  # the new amount due is stored
    timers: dict[str, float]
    timer_calls: dict[str, int]
    change_to_panel_seconds: float  # the change in the sandbox to the contact's Xero panel showing it
    panel_seconds: float  # the panel request alone
    panel_shows_change: bool
    amount_before: str
    amount_after: str


def _changed_amount_due(amount_due: Decimal, *, panel: str, currency: str) -> tuple[Decimal, str]:
    """A part payment's new amount due: about half the old one, and shown nowhere on the panel yet."""
    new = (amount_due / 2).quantize(Decimal("0.01"))
    while money_format(new, currency) in panel and new > 0:
        new -= Decimal("0.01")
    if new <= 0:
        raise BenchError(f"could not find a new amount due for an invoice due {amount_due}")
    return new, money_format(new, currency)


def webhook_change(*, sandbox: SandboxControl, linked: Linked, webhook_key: str, viewer: Client) -> WebhookResult:
    """Record a part payment on one invoice in Xero, deliver a signed webhook for it, and open the contact's panel.

    The invoice is the newest authorised sales invoice, so it heads its contact's Xero panel. Celery runs eagerly
    in this process (CELERY_TASK_ALWAYS_EAGER), so the POST returns once the webhook sync has finished; then the
    panel is requested (HTMX, as the contact page loads it) by `viewer`, a signed-in member of the contact's team,
    and must show the new amount due. Timed from the change in the sandbox to that answer.
    """
    invoice = (
        Invoice.objects.filter(
            organisation__xero_connection=linked.connection_id,
            kind="invoice",
            type="ACCREC",
            status="AUTHORISED",
            amount_due__gt=0,
            contact__team_id=linked.team_id,
        )
        .order_by(F("issued_on").desc(nulls_last=True), "-xero_updated_at", "-pk")
        .first()
    )
    if invoice is None:
        raise BenchError("the initial sync stored no authorised sales invoice with money due to change")
    panel_url = reverse("invoices:contact", args=[invoice.contact_id])
    before = viewer.get(panel_url, headers={"HX-Request": "true"})
    if before.status_code != 200:
        raise BenchError(f"the contact's panel answered {before.status_code} before the change")
    new_due, shown = _changed_amount_due(
        invoice.amount_due, panel=before.content.decode(), currency=invoice.currency_code
    )
    access_token = auth.grant_access_token(
        grant_id=linked.grant_id, identity=client.identity_from_settings(), now=timezone.now()
    )
    response = sandbox.api("GET", f"Invoices/{invoice.xero_id}", access_token=access_token, tenant_id=linked.tenant_id)
    response.raise_for_status()
    record = response.json()["Invoices"][0]
    paid = Decimal(str(record["AmountDue"])) - new_due
    record["AmountPaid"] = float(Decimal(str(record.get("AmountPaid") or 0)) + paid)
    record["AmountDue"] = float(new_due)
    record.pop("UpdatedDateUTC", None)  # the sandbox stamps the change with its clock

    body = json.dumps(
        {
            "events": [
                {
                    "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{invoice.xero_id}",
                    "resourceId": invoice.xero_id,
                    "eventDateUtc": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
                    "eventType": "UPDATE",
                    "eventCategory": "INVOICE",
                    "tenantId": linked.tenant_id,
                    "tenantType": "ORGANISATION",
                }
            ],
            "firstEventSequence": 1,
            "lastEventSequence": 1,
            "entropy": secrets.token_hex(10).upper(),
        }
    ).encode()
    timers = instrument()
    # Celery's eager send still builds a broker connection, and kombu warns that memory:// names no host.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    since = calls_mark(sandbox)
    changed = time.perf_counter()
    sandbox.load(linked.tenant_id, {"Invoices": [record]})
    delivered = time.perf_counter()
    # The receiver view itself, without the URLconf (which would import every app's views), as Xero would call it.
    request = RequestFactory().post(
        WEBHOOK_PATH, body, content_type="application/json", headers={"x-xero-signature": _sign(body, webhook_key)}
    )
    answer = webhooks.receive(request)
    answered = time.perf_counter()
    panel = viewer.get(panel_url, headers={"HX-Request": "true"})
    shown_at = time.perf_counter()
    run = SyncRun.objects.filter(connection_id=linked.connection_id, kind=SyncRun.Kind.WEBHOOK).order_by("-pk").first()
    if run is None:
        raise BenchError(f"the webhook delivery (HTTP {answer.status_code}) ran no webhook sync")
    invoice.refresh_from_db()
    return WebhookResult(
        seconds=answered - delivered,
        status_code=answer.status_code,
        run=run,
        calls=calls_since(sandbox, since),
        applied=invoice.amount_due == new_due,
        timers=timers.seconds,
        timer_calls=timers.calls,
        change_to_panel_seconds=shown_at - changed,
        panel_seconds=shown_at - answered,
        panel_shows_change=panel.status_code == 200 and shown in panel.content.decode(),
        amount_before=money_format(Decimal(str(response.json()["Invoices"][0]["AmountDue"])), invoice.currency_code),
        amount_after=shown,
    )


def _sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
