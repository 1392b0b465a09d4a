"""Issue 19, items 3 and 15: reconnecting one organisation must not disconnect another, a callback without
`state` must not cancel a connect in progress, and consents no organisation uses any more are retired (revoked
at Xero only where that cannot remove a connection still in use: issue 14, point 4)."""

import dataclasses

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.xero import auth
from integrations.xero.models import XeroConnection, XeroGrant
from tests.sandbox import query_of
from tests.xero_world import XERO_USER_PASSWORD, XeroWorld, wizard_identity

pytestmark = pytest.mark.django_db


def tenants_at_xero(grant: XeroGrant) -> list[str]:
    """The organisations Xero (the sandbox) lists for the grant's Xero user, read with its access token."""
    token = auth.grant_access_token(grant_id=grant.pk, identity=wizard_identity(), now=timezone.now())
    return sorted(tenant.tenant_id for tenant in wizard_identity().connections(access_token=token))


def works(connection: XeroConnection) -> bool:
    """Whether Capsync can still read the organisation through the grant it has for it."""
    connection.refresh_from_db()
    xero = auth.client_for(connection=connection, identity=wizard_identity(), clock=timezone.now)
    return xero.organisation().name == connection.name


def link_both(admin_client, xero: XeroWorld) -> tuple[XeroConnection, XeroConnection]:
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])
    admin_client.post(reverse("xero:pick"), {"tenant_ids": [xero.uk_tenant_id, xero.nz_tenant_id]})
    return (
        XeroConnection.objects.get(tenant_id=xero.uk_tenant_id),
        XeroConnection.objects.get(tenant_id=xero.nz_tenant_id),
    )


# Item 3


def test_reconnecting_one_organisation_leaves_the_other_linked_and_working(admin_client, xero):
    """Item 3: the admin consented to both again, then picked only UK; Capsync used to DELETE NZ's connection at
    Xero while still showing it as Connected."""
    uk, nz = link_both(admin_client, xero)
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])
    pick = admin_client.get(reverse("xero:pick"))

    admin_client.post(reverse("xero:pick"), {"tenant_ids": [xero.uk_tenant_id]})

    assert "Demo NZ Ltd (already linked)" in pick.text
    assert "Demo UK Ltd (already linked)" in pick.text
    assert 'id="already-linked"' in pick.text
    nz.refresh_from_db()
    assert nz.status == XeroConnection.Status.CONNECTED
    assert works(nz)
    assert works(uk)
    assert xero.nz_tenant_id in tenants_at_xero(XeroConnection.objects.get(pk=uk.pk).grant)


def test_an_organisation_not_picked_and_not_linked_is_still_disconnected_at_xero(admin_client, xero):
    """Item 3's counterpart: an organisation Capsync never linked, left unticked, is removed at Xero."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])

    admin_client.post(reverse("xero:pick"), {"tenant_ids": [xero.uk_tenant_id]})

    assert not XeroConnection.objects.filter(tenant_id=xero.nz_tenant_id).exists()
    assert tenants_at_xero(XeroConnection.objects.get().grant) == [xero.uk_tenant_id]


# Item 15


def test_a_callback_without_state_does_not_cancel_the_connect_in_progress(admin_client, xero):
    """Item 15: a callback without `state` (a stray link, a forged request) used to throw the session's state
    away, so the admin's real callback then failed."""
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

    stray = admin_client.get(reverse("xero:callback"), {"code": "stray"})
    forged = admin_client.get(reverse("xero:callback"), {"code": "forged", "state": "not-the-state"})
    real = admin_client.get(reverse("xero:callback"), query_of(redirect))

    assert (stray.status_code, forged.status_code) == (400, 400)
    assert real.status_code == 302
    assert XeroConnection.objects.get().tenant_id == xero.uk_tenant_id


def test_a_reconnect_retires_the_old_grant_without_revoking_the_connection_in_use(admin_client, xero):
    """Item 15 and issue 14 point 4: after a reconnect the old grant stayed active with a live refresh token. Its
    Xero user is the one of the new grant, so revoking it would remove the organisation's connection at Xero: its
    tokens are erased instead, and the organisation keeps working on the new grant."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    old = XeroGrant.objects.get()

    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    old.refresh_from_db()
    uk = XeroConnection.objects.get()
    assert uk.grant_id != old.pk
    assert old.status == XeroGrant.Status.REVOKED
    assert (old.access_token_encrypted, old.refresh_token_encrypted) == ("", "")
    assert works(uk)
    assert tenants_at_xero(uk.grant) == [xero.uk_tenant_id]


def test_a_grant_of_another_xero_user_no_longer_used_is_revoked_at_xero(admin_client, xero):
    """Item 15: when the organisation is reconnected by another Xero user, the first user's grant serves nothing
    Capsync links, so it is revoked at Xero (its refresh token refused from then on)."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    old = XeroGrant.objects.get()
    old_refresh_token = auth.secret_decrypt(old.refresh_token_encrypted)
    colleague = "colleague@example.com"
    xero.sandbox.create_user(email=colleague, password=XERO_USER_PASSWORD, tenant_ids=[xero.uk_tenant_id])

    dataclasses.replace(xero, user_email=colleague).consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    old.refresh_from_db()
    assert old.status == XeroGrant.Status.REVOKED
    refused = xero.sandbox.refresh(
        refresh_token=old_refresh_token, client_id=xero.client_id, client_secret=xero.client_secret
    )
    assert refused.json()["error"] == "invalid_grant"
    assert works(XeroConnection.objects.get())


def test_a_consent_left_on_the_pick_page_is_retired_when_the_admin_starts_again(admin_client, xero):
    """Item 15: a consent whose organisations were never picked (the admin went back and connected again) kept
    an active grant with a live refresh token that nothing would ever use."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])  # left on the pick page
    abandoned = XeroGrant.objects.get()

    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    abandoned.refresh_from_db()
    assert abandoned.status == XeroGrant.Status.REVOKED
    assert abandoned.refresh_token_encrypted == ""
    assert XeroConnection.objects.get().grant_id != abandoned.pk
    assert admin_client.get(reverse("xero:pick")).status_code == 302  # nothing left to pick from
    assert works(XeroConnection.objects.get())
