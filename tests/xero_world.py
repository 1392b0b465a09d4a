"""Pytest plugin: Capsync linked to the running Xero sandbox (an app registered there, two organisations, a Xero
user), admins who may connect it, and the states most tests start from (consented, configured, a linked customer,
a match conflict). Loaded by the root conftest, so tests/xero and tests/faults share it."""

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils.csp import CSP

from accounts.models import Team
from capsync.celery import app as celery_app
from integrations.xero import client, runtime
from integrations.xero.models import MatchConflict, XeroConnection
from tests.factories import OrganisationFactory, UserFactory
from tests.sandbox import SandboxControl, query_of
from tests.signing_in import sign_in
from tests.xero.sync_data import Sleeps, load, sync
from tests.xero.webhook_data import WEBHOOK_KEY
from tests.xero_records import xero_contact, xero_invoice

XERO_USER_PASSWORD = "xero-password"
XERO_TOKEN_PATH = "/identity/connect/token"


@dataclass
class XeroWorld:
    sandbox: SandboxControl
    client_id: str
    client_secret: str
    redirect_uri: str
    user_email: str
    uk_tenant_id: str
    nz_tenant_id: str

    def consent(
        self,
        client: Client,
        *,
        tenant_ids: list[str],
        deny: bool = False,
        state: str | None = None,
        keep_auth_event: bool = False,
    ):
        """Start the wizard in Capsync, answer Xero's consent screen, and follow the callback back in Capsync.
        `keep_auth_event`: organisations already connected keep their old authEventId (as Xero may)."""
        start = client.post(reverse("xero:authorize"))
        assert start.status_code == 302, start
        asked = query_of(start.url)
        redirect = self.sandbox.authorize(
            client_id=asked["client_id"],
            redirect_uri=asked["redirect_uri"],
            scope=asked["scope"],
            state=asked["state"],
            code_challenge=asked["code_challenge"],
            code_challenge_method=asked["code_challenge_method"],
            user_email=self.user_email,
            tenant_ids=tenant_ids,
            deny=deny,
            keep_auth_event=keep_auth_event,
        )
        params = query_of(redirect)
        if state is not None:
            params["state"] = state
        return client.get(urlsplit(redirect).path, params)


def xero_world(
    sandbox: SandboxControl, settings, *, redirect_uri: str, tenant_ids: tuple[str, str] | None = None
) -> XeroWorld:
    """An app and a Xero user with two organisations: new ones, or the (UK, NZ) `tenant_ids` the sandbox has."""
    suffix = secrets.token_hex(4)
    client_id, client_secret = f"capsync-{suffix}", f"secret-{suffix}"
    if tenant_ids is None:
        uk = sandbox.create_tenant(name="Demo UK Ltd", base_currency="GBP", timezone="Europe/London")
        nz = sandbox.create_tenant(name="Demo NZ Ltd", base_currency="NZD", timezone="Pacific/Auckland")
        tenant_ids = (uk["tenant_id"], nz["tenant_id"])
    sandbox.create_app(client_id=client_id, client_secret=client_secret, name="Capsync", redirect_uris=[redirect_uri])
    email = f"owner-{suffix}@example.com"
    sandbox.create_user(email=email, password=XERO_USER_PASSWORD, tenant_ids=list(tenant_ids))
    settings.XERO_LOGIN_URL = sandbox.login_url
    settings.XERO_IDENTITY_URL = sandbox.identity_url
    settings.XERO_API_URL = sandbox.api_url
    settings.XERO_CLIENT_ID = client_id
    settings.XERO_CLIENT_SECRET = client_secret
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [CSP.SELF, sandbox.login_url]}
    return XeroWorld(
        sandbox=sandbox,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        user_email=email,
        uk_tenant_id=tenant_ids[0],
        nz_tenant_id=tenant_ids[1],
    )


@pytest.fixture
def xero(sandbox, settings) -> XeroWorld:
    return xero_world(sandbox, settings, redirect_uri="http://testserver/integrations/xero/callback/")


@pytest.fixture
def mfa_admin(db):
    """An admin who signs in with two-factor authentication (a TOTP authenticator)."""
    admin = UserFactory(email="owner@example.com", is_staff=True, is_superuser=True)
    TOTP.activate(admin, generate_totp_secret())
    return admin


@pytest.fixture
def admin_client(client, mfa_admin):
    return sign_in(client, mfa_admin)


def wizard_identity() -> client.XeroIdentity:
    """Capsync's Xero app as the wizard's callback (on the test client's host) sees it."""
    return client.identity_from_settings(redirect_uri="http://testserver/integrations/xero/callback/")


def refresh_calls(sandbox: SandboxControl) -> list[dict]:
    """The refresh-token grants Xero (the sandbox) received so far."""
    return [
        call
        for call in sandbox.calls(bodies=True)["calls"]
        if call["path"] == XERO_TOKEN_PATH and "grant_type=refresh_token" in (call.get("request_body") or "")
    ]


@pytest.fixture
def xero_consented(admin_client, xero) -> XeroConnection:
    """The UK organisation linked through the wizard (options not saved yet), with its grant loaded."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    return XeroConnection.objects.select_related("grant").get()


@pytest.fixture
def xero_connection(admin_client, xero):
    """The UK organisation linked through the wizard, with its options saved (new contacts go to a team)."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    team = Team.objects.create(name="Xero customers")
    linked = XeroConnection.objects.get()
    admin_client.post(
        reverse("xero:options", args=[linked.pk]),
        {"suppliers": "ignore", "default_team": team.pk, "sync_interval_seconds": 7200, "push_crm_edits": "on"},
    )
    linked.refresh_from_db()
    return linked


@pytest.fixture
def tasks_run_inline(django_capture_on_commit_callbacks):
    """Tasks run in this process, as a worker would run them, as soon as the request's transaction commits."""
    celery_app.conf.task_always_eager = True

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    yield run
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def task_runtime():
    """The task layer's sleep for this test: it records the waits a task chose and returns at once, so no task
    run in the test process sleeps in real time. The clock stays the real one (tests pass fixed dates in)."""
    sleeps = Sleeps()
    real_sleep = runtime.sleep
    runtime.sleep = sleeps
    yield sleeps
    runtime.sleep = real_sleep


@pytest.fixture
def bakery(xero, xero_connection) -> dict:
    """A paying Xero customer, brought into the CRM and linked by a first sync."""
    customer = xero_contact(name="Bluebell Bakery", email="orders@bluebell.example")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    return customer


@pytest.fixture
def match_conflict(xero_connection, xero, team_a, team_b) -> MatchConflict:
    """A paying Xero contact with two likely CRM matches, waiting for an admin."""
    OrganisationFactory(team=team_a, name="Smith & Co")
    OrganisationFactory(team=team_b, name="Smith and Co Ltd")
    customer = xero_contact(name="Smith & Co", phone="020 7946 0000")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    return MatchConflict.objects.get()


@pytest.fixture
def webhook_key(settings) -> str:
    """Capsync's webhook key, as registered at Xero."""
    settings.XERO_WEBHOOK_KEY = WEBHOOK_KEY
    return WEBHOOK_KEY
