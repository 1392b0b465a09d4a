"""Issue 9, cases 1-4: tokens and consent, against the running sandbox and real PostgreSQL."""

from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from contacts.models import Contact
from integrations.xero import auth, client, selectors
from integrations.xero.models import SyncRun, XeroConnection, XeroGrant
from invoices.models import Invoice
from tests.concurrency import at_once
from tests.sandbox import wait_for
from tests.xero.sync_data import sync
from tests.xero_world import XERO_TOKEN_PATH, refresh_calls, wizard_identity

SIXTY_ONE_DAYS = 61 * 24 * 60 * 60


def _waiting_on_a_row_lock() -> int:
    """How many other database sessions are waiting for a lock (here: the grant row the refresh holds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


class RefreshHeldUntilTheOtherWorkerWaits(client.XeroIdentity):
    """Xero's identity service, answering a refresh only once the other worker is blocked on the grant's lock:
    the two refreshes overlap for certain, without sleeping for a guessed time."""

    def refresh(self, *, refresh_token, now):
        wait_for(_waiting_on_a_row_lock, timeout=30)
        return super().refresh(refresh_token=refresh_token, now=now)


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_spend_one_refresh_token(xero_consented, xero, settings):
    """Case 1: two workers refresh the same connection at once: one refresh call, both go on."""
    expired = xero_consented.grant.access_token_expires_at + timedelta(minutes=1)
    identity = RefreshHeldUntilTheOtherWorkerWaits(
        client_id=settings.XERO_CLIENT_ID,
        client_secret=settings.XERO_CLIENT_SECRET,
        redirect_uri="http://testserver/integrations/xero/callback/",
    )

    def worker() -> str:
        return auth.grant_access_token(grant_id=xero_consented.grant_id, identity=identity, now=expired)

    tokens = at_once(worker, worker)

    assert [token for token in tokens if isinstance(token, Exception)] == []
    assert len(refresh_calls(xero.sandbox)) == 1
    assert tokens[0] == tokens[1]


@pytest.mark.django_db
def test_a_lost_refresh_answer_is_recovered_within_the_grace_period(xero_consented, xero):
    """Case 2: a refresh whose answer was lost is tried once more, within Xero's grace period, and works."""
    xero.sandbox.fault(match=f"^{XERO_TOKEN_PATH}", kind="lose-response", count=1)
    expired = xero_consented.grant.access_token_expires_at + timedelta(minutes=1)

    token = auth.grant_access_token(grant_id=xero_consented.grant_id, identity=wizard_identity(), now=expired)

    assert auth.client_for(connection=xero_consented, identity=wizard_identity(), clock=lambda: expired).organisation()
    assert len(refresh_calls(xero.sandbox)) == 2
    assert token == auth.secret_decrypt(XeroGrant.objects.get().access_token_encrypted)


@pytest.mark.django_db
@pytest.mark.xero_contract_exempt("resets the token call on purpose")
def test_a_lost_refresh_answer_retried_after_the_grace_period_needs_reconnect(
    xero_consented, xero, django_capture_on_commit_callbacks
):
    """Case 2: when the refresh is tried again only after Xero's 30-minute grace, Xero refuses it: the
    connection needs reconnecting (said, not retried)."""
    xero.sandbox.fault(match=f"^{XERO_TOKEN_PATH}", kind="lose-response", count=1)  # Xero rotates, we never hear
    xero.sandbox.fault(match=f"^{XERO_TOKEN_PATH}", kind="reset", count=1)  # and our immediate retry fails too
    expired = xero_consented.grant.access_token_expires_at + timedelta(minutes=1)
    with pytest.raises(client.XeroUnavailable):
        auth.grant_access_token(grant_id=xero_consented.grant_id, identity=wizard_identity(), now=expired)
    xero.sandbox.clock_advance(31 * 60)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(
            grant_id=xero_consented.grant_id, identity=wizard_identity(), now=expired + timedelta(minutes=31)
        )

    xero_consented.refresh_from_db()
    assert xero_consented.status == XeroConnection.Status.NEEDS_RECONNECT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_refresh_token_unused_for_61_days_needs_reconnect(xero_consented, xero, django_capture_on_commit_callbacks):
    """Case 3: a refresh token unused for 61 days (sandbox clock): needs reconnect and an email to the admin."""
    xero.sandbox.clock_advance(SIXTY_ONE_DAYS)
    later = timezone.now() + timedelta(days=61)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(grant_id=xero_consented.grant_id, identity=wizard_identity(), now=later)

    xero_consented.refresh_from_db()
    assert xero_consented.grant.status == XeroGrant.Status.NEEDS_RECONNECT
    assert xero_consented.status == XeroConnection.Status.NEEDS_RECONNECT
    assert [message.to for message in mail.outbox] == [["owner@example.com"]]
    assert "reconnect" in mail.outbox[0].body.lower()


@pytest.mark.django_db
def test_a_connection_that_needs_reconnect_makes_no_more_refresh_calls(xero_consented, xero):
    """Case 3: once it needs reconnecting, nothing retries the refresh in a loop."""
    xero.sandbox.clock_advance(SIXTY_ONE_DAYS)
    later = timezone.now() + timedelta(days=61)
    with pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(grant_id=xero_consented.grant_id, identity=wizard_identity(), now=later)

    with pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(grant_id=xero_consented.grant_id, identity=wizard_identity(), now=later)

    assert len(refresh_calls(xero.sandbox)) == 1


@pytest.mark.django_db
def test_a_sync_of_an_organisation_that_needs_reconnect_fails_once_and_is_not_scheduled_again(xero_connection, xero):
    """Case 3: the sync says why it stopped, makes no call, and beat leaves the organisation alone."""
    xero.sandbox.clock_advance(SIXTY_ONE_DAYS)
    later = timezone.now() + timedelta(days=61)
    with pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(grant_id=xero_connection.grant_id, identity=wizard_identity(), now=later)
    since = xero.sandbox.calls(since_id=2**62)["last_id"]

    stopped = sync(xero_connection)

    assert (stopped.outcome, stopped.api_calls) == (SyncRun.Outcome.FAILED, 0)
    assert "reconnect" in stopped.message
    assert xero.sandbox.calls(since_id=since)["calls"] == []
    assert selectors.connections_due_for_sync(now=later) == []


@pytest.mark.django_db
def test_admins_see_a_reconnect_banner(xero_consented, xero, admin_client):
    """Case 3: the admins see a banner saying Xero stopped accepting Capsync."""
    xero.sandbox.clock_advance(SIXTY_ONE_DAYS)
    with pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(
            grant_id=xero_consented.grant_id, identity=wizard_identity(), now=timezone.now() + timedelta(days=61)
        )

    page = admin_client.get(reverse("dashboard"))

    assert "Xero stopped accepting Capsync" in page.text


@pytest.mark.django_db
def test_consent_revoked_in_xero_disconnects_the_organisation_and_keeps_its_data(
    xero_connection, xero, bakery, admin_client
):
    """Case 4: consent revoked in Xero: the next sync finds it, the organisation is disconnected (and says why),
    beat stops scheduling it, and every contact and invoice already brought in stays."""
    grant = XeroGrant.objects.get()
    revoked = requests.post(
        xero.sandbox.revocation_url,
        data={"token": auth.secret_decrypt(grant.refresh_token_encrypted)},
        auth=(xero.client_id, xero.client_secret),
        timeout=10,
    )
    assert revoked.status_code == 200
    kept = (Contact.objects.count(), Invoice.objects.count())

    stopped = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    xero_connection.refresh_from_db()
    assert stopped.outcome == SyncRun.Outcome.FAILED
    assert xero_connection.status == XeroConnection.Status.DISCONNECTED
    assert "removed in Xero" in xero_connection.status_reason
    assert (Contact.objects.count(), Invoice.objects.count()) == kept == (1, 1)
    assert selectors.connections_due_for_sync(now=timezone.now() + timedelta(days=1)) == []
    assert "removed in Xero" in admin_client.get(reverse("xero:integrations")).text


@pytest.mark.django_db
def test_a_consent_missing_a_permission_asks_for_a_reconnect_and_keeps_the_organisation(
    xero, admin_client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """Case 4, the other refusal: Xero refuses a call the consent has no scope for (401 AuthorizationUnsuccessful).
    That is not a revoked organisation: it stays linked, and the admin is asked to connect again."""
    settings.XERO_SCOPES = [scope for scope in settings.XERO_SCOPES if scope != "accounting.invoices"]
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    connection = XeroConnection.objects.get()
    admin_client.post(
        reverse("xero:options", args=[connection.pk]),
        {
            "suppliers": "ignore",
            "default_team": Team.objects.create(name="Xero customers").pk,
            "sync_interval_seconds": 7200,
        },
    )

    with django_capture_on_commit_callbacks(execute=True):
        stopped = sync(connection, kind=SyncRun.Kind.INCREMENTAL)

    connection.refresh_from_db()
    assert stopped.outcome == SyncRun.Outcome.FAILED
    assert connection.status == XeroConnection.Status.NEEDS_RECONNECT
    assert "no permission for" in connection.status_reason
    assert XeroGrant.objects.get().status == XeroGrant.Status.NEEDS_RECONNECT
    assert len(mailoutbox) == 1
