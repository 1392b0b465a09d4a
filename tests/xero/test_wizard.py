import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from integrations.xero import auth
from integrations.xero.auth import secret_decrypt
from integrations.xero.models import XeroConnection, XeroGrant
from invoices.models import Organisation
from tests.sandbox import query_of
from tests.xero_world import wizard_identity

pytestmark = pytest.mark.django_db


def test_connecting_one_organisation_links_it_with_its_details(admin_client, xero):
    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    connection = XeroConnection.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("xero:options", args=[connection.pk])
    assert (connection.tenant_id, connection.name, connection.base_currency) == (
        xero.uk_tenant_id,
        "Demo UK Ltd",
        "GBP",
    )
    assert connection.timezone == "Europe/London"
    assert connection.short_code
    assert connection.status == XeroConnection.Status.CONNECTED


def test_reconnecting_refreshes_the_ledger_organisation_it_already_has(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    organisation = XeroConnection.objects.get().organisation
    Organisation.objects.filter(pk=organisation.pk).update(name="A stale name", base_currency="", timezone="")

    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    assert list(Organisation.objects.values_list("pk", "name", "base_currency", "timezone")) == [
        (organisation.pk, "Demo UK Ltd", "GBP", "Europe/London")
    ]
    assert XeroConnection.objects.get().organisation_id == organisation.pk


def test_two_organisations_authorised_ask_which_to_link(admin_client, xero):
    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])

    assert response.url == reverse("xero:pick")
    page = admin_client.get(reverse("xero:pick"))
    assert "Demo UK Ltd" in page.text
    assert "Demo NZ Ltd" in page.text


def test_picking_one_of_two_links_it_and_disconnects_the_other_at_xero(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])

    admin_client.post(reverse("xero:pick"), {"tenant_ids": [xero.nz_tenant_id]})

    assert list(XeroConnection.objects.values_list("organisation__name", flat=True)) == ["Demo NZ Ltd"]
    grant = XeroGrant.objects.get()
    token = xero.sandbox.refresh(
        refresh_token=_refresh_token(grant), client_id=xero.client_id, client_secret=xero.client_secret
    ).json()
    at_xero = xero.sandbox.http.get(
        f"{xero.sandbox.api_url}/connections", headers={"Authorization": f"Bearer {token['access_token']}"}
    ).json()
    assert [c["tenantId"] for c in at_xero] == [xero.nz_tenant_id]


def test_reconnecting_a_linked_organisation_does_not_duplicate_it(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    assert XeroConnection.objects.count() == 1
    assert XeroConnection.objects.get().grant == XeroGrant.objects.order_by("-pk").first()


def test_options_are_saved(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    connection = XeroConnection.objects.get()
    team = Team.objects.create(name="Sales")

    admin_client.post(
        reverse("xero:options", args=[connection.pk]),
        {
            "suppliers": "import_tagged",
            "default_team": team.pk,
            "sync_interval_seconds": 3600,
        },
    )

    connection.refresh_from_db()
    assert (
        connection.suppliers,
        connection.default_team,
        connection.sync_interval_seconds,
        connection.push_crm_edits,
        connection.is_configured,
    ) == ("import_tagged", team, 3600, False, True)


def test_disconnect_revokes_access_and_keeps_the_organisation(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    connection = XeroConnection.objects.get()
    refresh_token = _refresh_token(connection.grant)

    admin_client.post(reverse("xero:disconnect", args=[connection.pk]))

    connection.refresh_from_db()
    assert connection.status == XeroConnection.Status.DISCONNECTED
    assert connection.disconnected_at is not None
    refused = xero.sandbox.refresh(
        refresh_token=refresh_token, client_id=xero.client_id, client_secret=xero.client_secret
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_integrations_page_lists_connections_with_status(admin_client, xero):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    response = admin_client.get(reverse("xero:integrations"))

    assert "Demo UK Ltd" in response.text
    assert "Connected" in response.text


def _refresh_token(grant: XeroGrant) -> str:
    return secret_decrypt(grant.refresh_token_encrypted)


def test_xero_unreachable_during_the_code_exchange_says_so_and_stores_nothing(admin_client, xero, settings):
    start = admin_client.post(reverse("xero:authorize"))
    asked = query_of(start.url)
    redirect = xero.sandbox.authorize(
        client_id=asked["client_id"],
        redirect_uri=asked["redirect_uri"],
        scope=asked["scope"],
        state=asked["state"],
        code_challenge=asked["code_challenge"],
        code_challenge_method="S256",
        user_email=xero.user_email,
        tenant_ids=[xero.uk_tenant_id],
    )
    settings.XERO_IDENTITY_URL = "http://127.0.0.1:9"  # nothing listens on the discard port

    response = admin_client.get(reverse("xero:callback"), query_of(redirect))

    assert response.status_code == 502
    assert "Xero could not be reached" in response.text
    assert not XeroGrant.objects.exists()


# Issue 14, points 3 and 4


def test_a_reconsent_that_keeps_the_old_auth_event_id_still_reconnects(admin_client, xero):
    """Issue 14 point 3: Xero may keep an already-connected organisation's old authEventId when it is consented
    again, so /connections?authEventId=<new> is empty; Capsync then reads /connections unfiltered and takes the
    organisations it already knows (it used to say that no organisation was picked)."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id], keep_auth_event=True)

    assert response.status_code == 302
    newest = XeroGrant.objects.order_by("-pk").first()
    assert XeroConnection.objects.get().grant == newest
    assert XeroGrant.objects.count() == 2


def test_disconnecting_one_organisation_leaves_another_of_the_same_xero_user_connected(admin_client, xero):
    """Issue 14 point 4: revoking a refresh token removes every connection its Xero user gave the app. UK and NZ
    were linked by one Xero user in two consents; disconnecting UK used to revoke UK's grant, which cut NZ off at
    Xero too. Now only UK's connection is removed, and UK's unused grant is retired without a revoke."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    xero.consent(admin_client, tenant_ids=[xero.nz_tenant_id])
    uk = XeroConnection.objects.get(tenant_id=xero.uk_tenant_id)
    nz = XeroConnection.objects.get(tenant_id=xero.nz_tenant_id)
    assert uk.grant_id != nz.grant_id

    admin_client.post(reverse("xero:disconnect", args=[uk.pk]))

    uk.refresh_from_db()
    nz.refresh_from_db()
    assert uk.status == XeroConnection.Status.DISCONNECTED
    assert uk.grant.status == XeroGrant.Status.REVOKED
    assert nz.status == XeroConnection.Status.CONNECTED
    token = auth.grant_access_token(grant_id=nz.grant_id, identity=wizard_identity(), now=timezone.now())
    assert [t.tenant_id for t in wizard_identity().connections(access_token=token)] == [xero.nz_tenant_id]
    assert auth.client_for(connection=nz, identity=wizard_identity(), clock=timezone.now).organisation().name == (
        "Demo NZ Ltd"
    )
