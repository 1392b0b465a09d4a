import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Team
from integrations.xero.auth import secret_decrypt
from integrations.xero.models import XeroConnection, XeroGrant
from tests.factories import UserFactory
from tests.sandbox import query_of

pytestmark = pytest.mark.django_db

WIZARD_URLS = [
    ("get", "xero:connect", []),
    ("post", "xero:authorize", []),
    ("get", "xero:callback", []),
    ("get", "xero:pick", []),
    ("post", "xero:pick", []),
    ("get", "xero:options", [1]),
    ("post", "xero:options", [1]),
    ("post", "xero:disconnect", [1]),
]


def test_connecting_one_organisation_links_it_with_its_details(admin_client, xero):
    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    connection = XeroConnection.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("xero:options", args=[connection.pk])
    assert (connection.tenant_id, connection.name, connection.base_currency) == (
        xero.uk_tenant_id, "Demo UK Ltd", "GBP")
    assert connection.timezone == "Europe/London"
    assert connection.short_code
    assert connection.status == XeroConnection.Status.CONNECTED


def test_two_organisations_authorised_ask_which_to_link(admin_client, xero):
    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])

    assert response.url == reverse("xero:pick")
    page = admin_client.get(reverse("xero:pick"))
    assert "Demo UK Ltd" in page.text
    assert "Demo NZ Ltd" in page.text


def test_picking_one_of_two_links_it_and_disconnects_the_other_at_xero(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])

    admin_client.post(reverse("xero:pick"), {"tenant_ids": [xero.nz_tenant_id]})

    assert list(XeroConnection.objects.values_list("name", flat=True)) == ["Demo NZ Ltd"]
    grant = XeroGrant.objects.get()
    token = xero.sandbox.refresh(
        refresh_token=_refresh_token(grant), client_id=xero.client_id, client_secret=xero.client_secret
    ).json()
    at_xero = xero.sandbox.http.get(f"{xero.sandbox.api_url}/connections",
                                    headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert [c["tenantId"] for c in at_xero] == [xero.nz_tenant_id]


def test_reconnecting_a_linked_organisation_does_not_duplicate_it(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    assert XeroConnection.objects.count() == 1
    assert XeroConnection.objects.get().grant == XeroGrant.objects.order_by("-pk").first()


def test_wrong_state_is_refused_and_nothing_is_stored(admin_client, xero):
    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id], state="forged-state")

    assert response.status_code == 400
    assert "did not start here" in response.text
    assert not XeroGrant.objects.exists()
    assert not XeroConnection.objects.exists()


def test_missing_state_is_refused(admin_client, xero):
    response = admin_client.get(reverse("xero:callback"), {"code": "anything"})

    assert response.status_code == 400
    assert not XeroGrant.objects.exists()


def test_access_denied_at_xero_explains_and_offers_a_restart(admin_client, xero):
    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id], deny=True)

    assert response.status_code == 200
    assert "You chose not to let Capsync into Xero" in response.text
    assert reverse("xero:connect") in response.text
    assert not XeroConnection.objects.exists()


def test_options_are_saved(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    connection = XeroConnection.objects.get()
    team = Team.objects.create(name="Sales")

    admin_client.post(reverse("xero:options", args=[connection.pk]), {
        "suppliers": "import_tagged", "default_team": team.pk, "sync_interval_seconds": 3600,
    })

    connection.refresh_from_db()
    assert (connection.suppliers, connection.default_team, connection.sync_interval_seconds,
            connection.push_crm_edits, connection.is_configured) == ("import_tagged", team, 3600, False, True)


def test_disconnect_revokes_access_and_keeps_the_organisation(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    connection = XeroConnection.objects.get()
    refresh_token = _refresh_token(connection.grant)

    admin_client.post(reverse("xero:disconnect", args=[connection.pk]))

    connection.refresh_from_db()
    assert connection.status == XeroConnection.Status.DISCONNECTED
    assert connection.disconnected_at is not None
    refused = xero.sandbox.refresh(refresh_token=refresh_token, client_id=xero.client_id,
                                   client_secret=xero.client_secret)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("method", "name", "args"), WIZARD_URLS)
def test_non_admins_get_403_on_every_wizard_url(client, method, name, args):
    client.force_login(UserFactory())

    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "name", "args"), WIZARD_URLS)
def test_admins_without_two_factor_get_403_with_a_way_forward(client, method, name, args):
    client.force_login(UserFactory(is_staff=True))

    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 403
    assert reverse("mfa_activate_totp") in response.text


def test_tokens_are_not_in_a_database_dump(admin_client, xero, tmp_path):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    grant = XeroGrant.objects.get()
    dump = tmp_path / "dump.json"

    call_command("dumpdata", output=str(dump))

    text = dump.read_text()
    assert _refresh_token(grant) not in text
    assert _access_token(grant) not in text
    assert grant.refresh_token_encrypted in text


def test_integrations_page_lists_connections_with_status(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    response = admin_client.get(reverse("xero:integrations"))

    assert "Demo UK Ltd" in response.text
    assert "Connected" in response.text


def _refresh_token(grant: XeroGrant) -> str:
    return secret_decrypt(grant.refresh_token_encrypted)


def _access_token(grant: XeroGrant) -> str:
    return secret_decrypt(grant.access_token_encrypted)


def test_xero_unreachable_during_the_code_exchange_says_so_and_stores_nothing(admin_client, xero, settings):
    start = admin_client.post(reverse("xero:authorize"))
    asked = query_of(start.url)
    redirect = xero.sandbox.authorize(
        client_id=asked["client_id"], redirect_uri=asked["redirect_uri"], scope=asked["scope"], state=asked["state"],
        code_challenge=asked["code_challenge"], code_challenge_method="S256", user_email=xero.user_email,
        tenant_ids=[xero.uk_tenant_id],
    )
    settings.XERO_IDENTITY_URL = "http://127.0.0.1:9"  # nothing listens on the discard port

    response = admin_client.get(reverse("xero:callback"), query_of(redirect))

    assert response.status_code == 502
    assert "Xero could not be reached" in response.text
    assert not XeroGrant.objects.exists()
