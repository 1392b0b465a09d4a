import io
import logging
import threading
import time
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from capsync.logging import KeyValueFormatter, RedactSecretsFilter
from integrations.xero import auth, client
from integrations.xero.models import XeroConnection, XeroGrant

XERO_TOKEN_PATH = "/identity/connect/token"


def _identity() -> client.XeroIdentity:
    return client.identity_from_settings(redirect_uri="http://testserver/integrations/xero/callback/")


def _refresh_calls(sandbox) -> list[dict]:
    calls = sandbox.calls(bodies=True)["calls"]
    return [
        call for call in calls
        if call["path"] == XERO_TOKEN_PATH and "grant_type=refresh_token" in (call.get("request_body") or "")
    ]


@pytest.fixture
def connected(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    return XeroConnection.objects.select_related("grant").get()


class SlowNetworkIdentity(client.XeroIdentity):
    """Xero's identity service behind a slow network: each refresh takes a noticeable time to come back."""

    def refresh(self, *, refresh_token, now):
        time.sleep(0.3)
        return super().refresh(refresh_token=refresh_token, now=now)


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_spend_one_refresh_token(connected, xero, settings):
    expired = connected.grant.access_token_expires_at + timedelta(minutes=1)
    identity = SlowNetworkIdentity(client_id=settings.XERO_CLIENT_ID, client_secret=settings.XERO_CLIENT_SECRET,
                                   redirect_uri="http://testserver/integrations/xero/callback/")
    start = threading.Barrier(2)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            tokens.append(auth.grant_access_token(grant_id=connected.grant_id, identity=identity, now=expired))
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(_refresh_calls(xero.sandbox)) == 1
    assert tokens[0] == tokens[1]


@pytest.mark.django_db
def test_a_lost_refresh_answer_is_recovered_within_the_grace_period(connected, xero):
    xero.sandbox.fault(match=f"^{XERO_TOKEN_PATH}", kind="lose-response", count=1)
    expired = connected.grant.access_token_expires_at + timedelta(minutes=1)

    token = auth.grant_access_token(grant_id=connected.grant_id, identity=_identity(), now=expired)

    assert auth.client_for(connection=connected, identity=_identity(), clock=lambda: expired).organisation()
    assert len(_refresh_calls(xero.sandbox)) == 2
    assert token == auth.secret_decrypt(XeroGrant.objects.get().access_token_encrypted)


@pytest.mark.django_db
def test_refresh_token_unused_for_61_days_needs_reconnect(connected, xero, django_capture_on_commit_callbacks):
    xero.sandbox.clock_advance(61 * 24 * 60 * 60)
    later = timezone.now() + timedelta(days=61)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(grant_id=connected.grant_id, identity=_identity(), now=later)

    connected.refresh_from_db()
    assert connected.grant.status == XeroGrant.Status.NEEDS_RECONNECT
    assert connected.status == XeroConnection.Status.NEEDS_RECONNECT
    assert [message.to for message in mail.outbox] == [["owner@example.com"]]
    assert "reconnect" in mail.outbox[0].body.lower()


@pytest.mark.django_db
def test_a_connection_that_needs_reconnect_makes_no_more_refresh_calls(connected, xero):
    xero.sandbox.clock_advance(61 * 24 * 60 * 60)
    later = timezone.now() + timedelta(days=61)
    with pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(grant_id=connected.grant_id, identity=_identity(), now=later)

    with pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(grant_id=connected.grant_id, identity=_identity(), now=later)

    assert len(_refresh_calls(xero.sandbox)) == 1


@pytest.mark.django_db
def test_admins_see_a_reconnect_banner(connected, xero, admin_client):
    xero.sandbox.clock_advance(61 * 24 * 60 * 60)
    with pytest.raises(client.ReconnectNeeded):
        auth.grant_access_token(grant_id=connected.grant_id, identity=_identity(),
                                now=timezone.now() + timedelta(days=61))

    page = admin_client.get(reverse("dashboard"))

    assert "Xero stopped accepting Capsync" in page.text


@pytest.mark.django_db
def test_an_expired_access_token_refused_by_xero_is_refreshed_once_and_the_call_retried(connected, xero):
    xero.sandbox.clock_advance(31 * 60)  # Xero now thinks the token expired; our clock does not know yet
    now = timezone.now()

    organisation = auth.client_for(connection=connected, identity=_identity(), clock=lambda: now).organisation()

    assert organisation.name == "Demo UK Ltd"
    assert len(_refresh_calls(xero.sandbox)) == 1


def test_tokens_encrypted_with_an_old_key_still_decrypt_after_rotation(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CAPSYNC_ENCRYPTION_KEYS = [old_key]
    stored = auth.secret_encrypt("refresh-token-value")

    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key, old_key]

    assert auth.secret_decrypt(stored) == "refresh-token-value"
    assert Fernet(new_key.encode()).decrypt(auth.secret_encrypt("x").encode()) == b"x"


def test_a_token_from_a_removed_key_fails_with_a_clear_error(settings):
    settings.CAPSYNC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    stored = auth.secret_encrypt("refresh-token-value")
    settings.CAPSYNC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(auth.TokenDecryptionError, match="CAPSYNC_ENCRYPTION_KEYS"):
        auth.secret_decrypt(stored)


@pytest.mark.django_db
def test_no_token_or_secret_reaches_the_logs_even_at_debug(admin_client, xero):
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.addFilter(RedactSecretsFilter())
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
        grant = XeroGrant.objects.get()
        expired = grant.access_token_expires_at + timedelta(minutes=1)
        auth.grant_access_token(grant_id=grant.pk, identity=_identity(), now=expired)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)

    logged = output.getvalue()
    grant.refresh_from_db()
    assert "Refreshed Xero tokens" in logged
    secrets = [auth.secret_decrypt(grant.access_token_encrypted), auth.secret_decrypt(grant.refresh_token_encrypted),
               xero.client_secret]
    for secret in secrets:
        assert secret not in logged
    assert "Bearer ey" not in logged
