"""`manage.py xero_tokens_reencrypt`: the step of a key rotation that lets the old Fernet key go."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.utils import timezone

from integrations.xero import auth
from integrations.xero.models import XeroGrant
from tests.xero_world import wizard_identity


@pytest.mark.django_db
def test_after_reencrypting_the_old_key_can_be_removed_and_xero_is_still_reached(
    xero_consented, xero, settings, capsys
):
    old_keys = list(settings.CAPSYNC_ENCRYPTION_KEYS)
    refresh_token = auth.secret_decrypt(XeroGrant.objects.get().refresh_token_encrypted)
    new_key = Fernet.generate_key().decode()
    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key, *old_keys]

    call_command("xero_tokens_reencrypt")

    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key]
    grant = XeroGrant.objects.get()
    now = timezone.now()
    organisation = auth.client_for(
        connection=xero_consented, identity=wizard_identity(), clock=lambda: now
    ).organisation()
    assert organisation.name == "Demo UK Ltd"
    assert auth.secret_decrypt(grant.refresh_token_encrypted) == refresh_token
    assert "Re-encrypted the tokens of 1 Xero grant with the first key." in capsys.readouterr().out


@pytest.mark.django_db
def test_a_grant_no_key_can_read_stops_the_command_and_is_named(xero_consented, settings):
    settings.CAPSYNC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match=f"Xero grant {xero_consented.grant_id}: no key"):
        call_command("xero_tokens_reencrypt")
