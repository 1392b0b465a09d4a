"""Issue 19 item 1: the admin site and every Xero admin action need a session that gave its two-factor code.

Both ways into the admin site are tried (Django's /admin/login/ and allauth's sign-in), and every gated action
with a session of an admin who has an authenticator but signed in without it (`client.force_login`, as Django's
own admin login used to give)."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.test import Client
from django.urls import reverse

from tests.faults.test_web_security import ADMIN_ONLY_URLS
from tests.signing_in import sign_in

PASSWORD = "correct horse battery staple"  # UserFactory's

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


def totp_code(user) -> str:
    """The code the admin's authenticator app shows now."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), int(time.time()) // 30))


def admin_index_status(client) -> int:
    return client.get(reverse("admin:index")).status_code


@pytest.mark.django_db
def test_the_admin_sites_login_signs_no_one_in_and_sends_them_to_allauth(client, mfa_admin):
    """Case i19.1: email and password posted to /admin/login/ give no session; it redirects to allauth's
    sign-in with `next` (it used to sign the admin in with no TOTP code)."""
    response = client.post(
        reverse("admin:login") + "?next=/admin/xero/", {"username": mfa_admin.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fadmin%2Fxero%2F"
    assert "_auth_user_id" not in client.session
    assert admin_index_status(client) == 302


@pytest.mark.django_db
def test_the_admin_login_refuses_an_offsite_next(client):
    """Case i19.1: /admin/login/ hands allauth only a `next` on this site."""
    response = client.get(reverse("admin:login"), {"next": "https://evil.example/"})

    assert response.url == reverse("account_login") + "?next=%2Fadmin%2F"


@pytest.mark.django_db
def test_signing_in_for_the_admin_site_asks_for_the_totp_code(client, mfa_admin):
    """Case i19.1: /admin/ leads to allauth's sign-in; the password alone gives no admin session, the TOTP code
    then does, and the admin lands where they were going."""
    to_login = client.get(reverse("admin:index"), follow=True)
    assert to_login.redirect_chain[-1][0] == reverse("account_login") + "?next=%2Fadmin%2F"

    password_step = client.post(
        reverse("account_login"), {"login": mfa_admin.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert password_step.url == reverse("mfa_authenticate")
    assert admin_index_status(client) == 302

    code_step = client.post(reverse("mfa_authenticate"), {"code": totp_code(mfa_admin)})
    assert code_step.url == "/admin/"
    assert admin_index_status(client) == 200


@pytest.mark.django_db
@pytest.mark.parametrize("door", ["admin", "allauth"])
def test_fifteen_wrong_passwords_then_the_right_one_give_no_admin_session(client, mfa_admin, door):
    """Case i19.1: /admin/login/ is no longer a door without a throttle: after 15 wrong passwords the right one
    is refused at allauth's sign-in, and never gives a session at the admin's."""
    url, login_field = {"admin": (reverse("admin:login"), "username"), "allauth": (reverse("account_login"), "login")}[
        door
    ]
    for attempt in range(15):
        client.post(url, {login_field: mfa_admin.email, "password": f"wrong-{attempt}"})

    response = client.post(url, {login_field: mfa_admin.email, "password": PASSWORD})

    assert response.status_code in (200, 302)
    assert getattr(response, "url", "") != reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "name", "args"), [*ADMIN_ONLY_URLS, ("get", "xero:health", []), ("post", "xero:errors_retry", [])]
)
def test_every_xero_admin_action_needs_a_session_that_gave_its_code(client, mfa_admin, method, name, args):
    """Case i19.1: an admin who has an authenticator but whose session signed in without it gets a 403 that
    says to sign in again with the code (connect, callback, pick, options, disconnect, sync now, resolve, sync
    health and its "fetch again")."""
    client.force_login(mfa_admin)

    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 403
    assert "signed in without your two-factor code" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "admin:index",
        "admin:mfa_authenticator_changelist",
        "admin:accounts_user_changelist",
        "admin:xero_matchconflict_changelist",
        "admin:xero_xeroconnection_changelist",
    ],
)
def test_admin_site_pages_need_a_session_that_gave_its_code(client, mfa_admin, name):
    """Case i19.1: every admin site page answers 403 to such a session, and 200 once it gave its code."""
    client.force_login(mfa_admin)

    refused = client.get(reverse(name))
    allowed = sign_in(client, mfa_admin).get(reverse(name))

    assert refused.status_code == 403
    assert "signed in without your two-factor code" in refused.text
    assert allowed.status_code == 200


@pytest.mark.django_db
def test_a_session_without_the_code_cannot_delete_the_admins_authenticator(client, mfa_admin):
    """Case i19.1: the admin site's delete of the TOTP authenticator is refused to a session that did not give
    the code (it used to let a password-only session remove the second factor)."""
    authenticator = Authenticator.objects.get(user=mfa_admin, type=Authenticator.Type.TOTP)
    client.force_login(mfa_admin)

    response = client.post(reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()


@pytest.mark.django_db
def test_a_match_conflict_stays_open_for_a_session_without_the_code(mfa_admin, match_conflict):
    """Case i19.1: resolving a conflict, from its button or as a bulk action, needs the code too."""
    client = Client()  # not the fixtures' admin client, whose session gave its code
    client.force_login(mfa_admin)

    button = client.post(reverse("admin:xero_matchconflict_resolve", args=[match_conflict.pk, "ignore"]))
    bulk = client.post(
        reverse("admin:xero_matchconflict_changelist"),
        {"action": "ignore_xero_contacts", "_selected_action": [match_conflict.pk]},
    )

    match_conflict.refresh_from_db()
    assert (button.status_code, bulk.status_code) == (403, 403)
    assert match_conflict.status == match_conflict.Status.OPEN
