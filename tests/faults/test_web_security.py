"""Issue 9, cases 22-29: the web side. OAuth's state and denial, tokens at rest and in logs, hostile names from
Xero, team isolation, who may change the Xero link, and CSRF.

Cases 26, 27 and 29 walk every URL pattern Django resolves (tests/faults/urls.py): a URL added later without an
entry in its table fails those tests until someone says how to call it."""

import io
import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from capsync.logging import KeyValueFormatter, RedactSecretsFilter
from integrations.xero import auth
from integrations.xero.models import MatchConflict, SyncRun, XeroConnection, XeroGrant
from tests.factories import UserFactory
from tests.xero.sync_data import load, sync, xero_contact, xero_invoice
from tests.xero_world import wizard_identity

ADMIN_ONLY_URLS = [
    ("get", "xero:connect", []),
    ("post", "xero:authorize", []),
    ("get", "xero:callback", []),
    ("get", "xero:pick", []),
    ("post", "xero:pick", []),
    ("get", "xero:options", [1]),
    ("post", "xero:options", [1]),
    ("post", "xero:disconnect", [1]),
    ("post", "xero:sync_now", [1]),
    ("post", "admin:xero_matchconflict_resolve", [1, "ignore"]),
]


def _refresh_token(grant: XeroGrant) -> str:
    return auth.secret_decrypt(grant.refresh_token_encrypted)


def _access_token(grant: XeroGrant) -> str:
    return auth.secret_decrypt(grant.access_token_encrypted)


# Case 22: OAuth state


@pytest.mark.django_db
def test_wrong_state_is_refused_and_nothing_is_stored(admin_client, xero):
    """Case 22: an OAuth callback whose state is not the one this session started with is refused."""
    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id], state="forged-state")

    assert response.status_code == 400
    assert "did not start here" in response.text
    assert not XeroGrant.objects.exists()
    assert not XeroConnection.objects.exists()


@pytest.mark.django_db
def test_missing_state_is_refused(admin_client, xero):
    """Case 22: a callback without any state is refused and stores nothing."""
    response = admin_client.get(reverse("xero:callback"), {"code": "anything"})

    assert response.status_code == 400
    assert not XeroGrant.objects.exists()


# Case 23: access denied


@pytest.mark.django_db
def test_access_denied_at_xero_explains_and_the_wizard_can_start_again(admin_client, xero):
    """Case 23: "Cancel" at Xero's consent screen: a friendly page with a way back, and the wizard works again."""
    denied = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id], deny=True)
    nothing_connected = not XeroConnection.objects.exists()

    again = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    assert denied.status_code == 200
    assert "You chose not to let Capsync into Xero" in denied.text
    assert reverse("xero:connect") in denied.text
    assert nothing_connected
    assert again.status_code == 302
    assert XeroConnection.objects.get().status == XeroConnection.Status.CONNECTED


# Case 24: tokens at rest


@pytest.mark.django_db
def test_tokens_are_not_in_a_database_dump(admin_client, xero, tmp_path):
    """Case 24: a database dump holds the tokens only encrypted."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    grant = XeroGrant.objects.get()
    dump = tmp_path / "dump.json"

    call_command("dumpdata", output=str(dump))

    text = dump.read_text()
    assert _refresh_token(grant) not in text
    assert _access_token(grant) not in text
    assert grant.refresh_token_encrypted in text


def test_tokens_encrypted_with_an_old_key_still_decrypt_after_rotation(settings):
    """Case 24: after a key rotation (new key first) old tokens still decrypt and new ones use the new key."""
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CAPSYNC_ENCRYPTION_KEYS = [old_key]
    stored = auth.secret_encrypt("refresh-token-value")

    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key, old_key]

    assert auth.secret_decrypt(stored) == "refresh-token-value"
    assert Fernet(new_key.encode()).decrypt(auth.secret_encrypt("x").encode()) == b"x"


@pytest.mark.django_db
def test_a_connection_keeps_working_across_a_key_rotation(xero_consented, xero, settings):
    """Case 24: rotate the key of a live connection: Xero is still reached, and the refreshed tokens are stored
    under the new key."""
    new_key = Fernet.generate_key().decode()
    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key, *settings.CAPSYNC_ENCRYPTION_KEYS]
    expired = xero_consented.grant.access_token_expires_at + timedelta(minutes=1)

    organisation = auth.client_for(connection=xero_consented, identity=wizard_identity(),
                                   clock=lambda: expired).organisation()

    grant = XeroGrant.objects.get()
    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key]
    assert organisation.name == "Demo UK Ltd"
    assert _refresh_token(grant)
    assert _access_token(grant)


def test_a_token_from_a_removed_key_fails_with_a_clear_error(settings):
    """Case 24: a token whose key was removed fails with an error naming the setting to fix."""
    settings.CAPSYNC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    stored = auth.secret_encrypt("refresh-token-value")
    settings.CAPSYNC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(auth.TokenDecryptionError, match="CAPSYNC_ENCRYPTION_KEYS"):
        auth.secret_decrypt(stored)


# Case 25: logs


def test_every_configured_log_handler_redacts_secrets():
    """Case 25: the redaction filter sits on every handler Capsync configures (the backstop is always there)."""
    handlers = django_settings.LOGGING["handlers"]

    assert handlers
    assert all("redact_secrets" in handler.get("filters", []) for handler in handlers.values())


@pytest.mark.django_db
def test_no_token_or_secret_reaches_the_logs_even_at_debug(admin_client, xero):
    """Case 25: connect, refresh and sync with every logger at DEBUG (requests-oauthlib logs whole token
    answers there): no token, client secret or Authorization header comes out."""
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
        issued = [_access_token(grant), _refresh_token(grant)]
        expired = grant.access_token_expires_at + timedelta(minutes=1)
        auth.grant_access_token(grant_id=grant.pk, identity=wizard_identity(), now=expired)
        customer = xero_contact("Bluebell Bakery")
        load(xero, contacts=[customer], invoices=[xero_invoice(customer)])
        connection = XeroConnection.objects.get()
        connection.default_team = UserFactory().teams.create(name="Sales")
        connection.save()
        synced = sync(connection)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)

    logged = output.getvalue()
    grant.refresh_from_db()
    assert "Refreshed Xero tokens" in logged
    assert "Organisation sync finished" in logged
    assert synced.outcome == SyncRun.Outcome.SUCCEEDED
    secrets = [*issued, _access_token(grant), _refresh_token(grant), xero.client_secret]
    for secret in secrets:
        assert secret not in logged
    assert "Bearer ey" not in logged


# Case 28: admins with MFA only


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "args"), ADMIN_ONLY_URLS)
def test_non_admins_get_403_on_every_xero_admin_action(client, method, name, args):
    """Case 28: a user who is not an admin cannot connect, disconnect, sync or resolve conflicts."""
    client.force_login(UserFactory(is_staff=name.startswith("admin:")))

    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "args"), ADMIN_ONLY_URLS)
def test_admins_without_two_factor_get_403_with_a_way_forward(client, method, name, args):
    """Case 28: an admin without two-factor authentication gets a 403 that links to setting it up."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 403
    assert reverse("mfa_activate_totp") in response.text


@pytest.mark.django_db
def test_an_admin_without_two_factor_cannot_resolve(client, match_conflict):
    """Case 28: a real conflict stays open when an admin without two-factor authentication tries to resolve it."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(reverse("admin:xero_matchconflict_resolve", args=[match_conflict.pk, "ignore"]))

    assert response.status_code == 403
    assert MatchConflict.objects.get().status == "open"
