import pytest
from django.utils import timezone

from integrations.xero import auth
from tests.xero_world import refresh_calls, wizard_identity


@pytest.mark.django_db
def test_an_expired_access_token_refused_by_xero_is_refreshed_once_and_the_call_retried(xero_consented, xero):
    xero.sandbox.clock_advance(31 * 60)  # Xero now thinks the token expired; our clock does not know yet
    now = timezone.now()

    organisation = auth.client_for(
        connection=xero_consented, identity=wizard_identity(), clock=lambda: now
    ).organisation()

    assert organisation.name == "Demo UK Ltd"
    assert len(refresh_calls(xero.sandbox)) == 1
