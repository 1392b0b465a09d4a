"""Pytest plugin: `make demo`'s world, connected. The demo CRM data, the sandbox with its demo organisations
(`--seed demo`), both organisations linked by the demo admin as the wizard links them, and a first sync.

Fixtures: ``demo_sandbox_server`` (session: the running process) and ``demo_world`` (per test).
"""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Team, User
from demo import services as demo
from integrations.xero import client, services
from integrations.xero.models import SyncRun, XeroConnection
from integrations.xero.sync import run
from tests.sandbox import SandboxControl, SandboxProcess, query_of

DEMO_REDIRECT_URI = "http://127.0.0.1:8000/integrations/xero/callback/"
# Which team the demo admin picks for each organisation's new contacts in the wizard.
DEMO_TEAMS = {"Demo Company (UK)": "Sales", "Demo Company (NZ)": "Pacific"}


@dataclass
class DemoWorld:
    sandbox: SandboxControl
    admin: User
    connections: dict[str, XeroConnection]

    def user(self, email: str) -> User:
        return User.objects.get(email=email)


@pytest.fixture(scope="session")
def demo_sandbox_server() -> Iterator[SandboxControl]:
    """The sandbox as `make demo` runs it: its demo app, user and two organisations (rate limits off)."""
    process = SandboxProcess(["--port", "0", "--seed", "demo", "--rate-limits", "off"])
    try:
        yield SandboxControl(process.url)
    finally:
        process.stop()


def _connect(sandbox: SandboxControl, *, admin: User) -> dict[str, XeroConnection]:
    tenants = {tenant["name"]: tenant["tenant_id"] for tenant in sandbox.state()["tenants"]}
    identity = client.identity_from_settings(redirect_uri=DEMO_REDIRECT_URI)
    state = secrets.token_urlsafe(16)
    verifier, challenge = client.pkce_pair()
    redirect = sandbox.authorize(
        client_id=identity.client_id,
        redirect_uri=DEMO_REDIRECT_URI,
        scope=" ".join(settings.XERO_SCOPES),
        state=state,
        code_challenge=challenge,
        code_challenge_method="S256",
        tenant_ids=[tenants[name] for name in DEMO_TEAMS],
        user_email=demo.DEMO_ADMIN_EMAIL,
    )
    params = query_of(redirect)
    assert params.get("state") == state, redirect
    consent = services.consent_complete(
        identity=identity, code=params["code"], code_verifier=verifier, user_id=admin.pk, now=timezone.now()
    )
    linked = services.connections_link(
        grant_id=consent.grant_id,
        tenants=consent.tenants,
        chosen_tenant_ids=list(tenants.values()),
        identity=identity,
        user_id=admin.pk,
        clock=timezone.now,
    )
    connections = {}
    for result in linked:
        connection = result.connection
        services.connection_configure(
            connection_id=connection.pk,
            suppliers=XeroConnection.Suppliers.IGNORE,
            default_team_id=Team.objects.get(name=DEMO_TEAMS[connection.name]).pk,
            sync_interval_seconds=2 * 60 * 60,
            push_crm_edits=True,
        )
        connections[connection.name] = XeroConnection.objects.get(pk=connection.pk)
    return connections


@pytest.fixture
def demo_world(demo_sandbox_server: SandboxControl, settings, transactional_db) -> DemoWorld:
    """The demo, after its admin connected both organisations and their first sync ran (committed, so a live
    server and a browser see it)."""
    sandbox = demo_sandbox_server
    sandbox.reset()
    sandbox.clear_faults()
    settings.XERO_LOGIN_URL = sandbox.login_url
    settings.XERO_IDENTITY_URL = sandbox.identity_url
    settings.XERO_API_URL = sandbox.api_url
    settings.XERO_CLIENT_ID = "capsync-demo"
    settings.XERO_CLIENT_SECRET = "demo-secret"
    demo.demo_data_load(today=timezone.localdate())
    admin = User.objects.get(email=demo.DEMO_ADMIN_EMAIL)
    connections = _connect(sandbox, admin=admin)
    for connection in connections.values():
        finished = run.organisation_sync(
            connection_id=connection.pk,
            kind=SyncRun.Kind.FULL,
            clock=timezone.now,
            identity=client.identity_from_settings(),
            sleep=lambda seconds: None,
        )
        assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    return DemoWorld(sandbox=sandbox, admin=admin, connections=connections)
