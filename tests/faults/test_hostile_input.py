"""Issue 19 items 8, 9 and 10: dates, emails and sign-in attempts that are well formed but absurd or hostile."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import models
from django.template import Context, Template
from django.urls import reverse

from tests.contacts.edit_form import edit_form
from tests.factories import EmailAddressFactory, OrganisationFactory

PASSWORD = "correct horse battery staple"  # UserFactory's

# Well formed, but no such moment (or not one the database can hold once in UTC).
BAD_DATETIMES = [
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00+99:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2026-01-01T00:00:00",
    "yesterday",
    "",
]


@pytest.mark.django_db
@pytest.mark.parametrize("since", BAD_DATETIMES)
def test_a_contact_status_poll_with_an_absurd_since_is_ignored(admin_client, team_a, since):
    """Case i19.8: the contact's Xero status ignores a `since` that is no real recent moment (it used to answer
    500 to "2026-02-30T00:00:00Z", and to year 1 or 9999 with an offset)."""
    contact = OrganisationFactory(team=team_a)

    response = admin_client.get(
        reverse("xero:contact_status", args=[contact.pk]), {"since": since}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' not in response.text  # not taken for a fetch in progress


def _admin_date_filters() -> list[tuple[str, str]]:
    """(changelist URL name, field) for every date the admin site filters or drills down by."""
    found = []
    for model, model_admin in admin.site._registry.items():
        names = [entry for entry in model_admin.list_filter if isinstance(entry, str)]
        names += [model_admin.date_hierarchy] if model_admin.date_hierarchy else []
        for name in names:
            field = model._meta.get_field(name.split("__")[0]) if "__" not in name else None
            if isinstance(field, models.DateField):  # DateTimeField too
                found.append((f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist", name))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "field"), _admin_date_filters())
@pytest.mark.parametrize("value", ["2026-02-30", "2026-02-30 00:00:00", "0001-01-01", "9999-12-31 23:59:59"])
def test_admin_date_filters_with_absurd_dates_answer_without_error(admin_client, url_name, field, value):
    """Case i19.8: the admin site's date filters, given dates that do not exist or hardly fit, answer a page."""
    response = admin_client.get(reverse(url_name), {f"{field}__gte": value, f"{field}__lt": value})

    assert response.status_code in (200, 302)


# Case i19.10: the sign-in throttle


def sign_in_attempt(client, email: str, password: str, **headers: str) -> bool:
    """Whether allauth's sign-in let this email and password in (from the address the headers say)."""
    response = client.post(reverse("account_login"), {"login": email, "password": password}, **headers)
    return response.status_code == 302 and response.url == reverse("dashboard")


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_rate_limits")
def test_failures_for_a_made_up_email_do_not_lock_out_others_on_the_same_address(client, member):
    """Case i19.10: ten failed sign-ins for a made-up email from one address leave the others there free to
    sign in (they used to lock out the whole address for a minute)."""
    for attempt in range(10):
        assert not sign_in_attempt(client, "nobody@example.com", f"guess-{attempt}")

    assert sign_in_attempt(client, member.email, PASSWORD)


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_rate_limits")
def test_an_account_is_throttled_only_from_the_address_that_failed(client, member):
    """Case i19.10: six wrong passwords for an account from one address stop the right one from there, but
    its owner still signs in from another (failures count per account and address)."""
    for attempt in range(6):
        sign_in_attempt(client, member.email, f"guess-{attempt}", REMOTE_ADDR="203.0.113.5")

    assert not sign_in_attempt(client, member.email, PASSWORD, REMOTE_ADDR="203.0.113.5")
    assert sign_in_attempt(client, member.email, PASSWORD, REMOTE_ADDR="198.51.100.7")


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_rate_limits")
def test_behind_the_proxy_the_throttle_counts_each_client_by_the_proxys_header(client, member, settings):
    """Case i19.10: behind the HTTPS proxy every request comes from the proxy's address; the throttle counts
    the client address the proxy appends to X-Forwarded-For (an address the client wrote there itself does not
    count), so one client's 30 failures lock out that client and not everyone behind the proxy."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # what BEHIND_HTTPS_PROXY=1 sets
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.5"}  # spoofs the owner's address first
    owner = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for attempt in range(30):
        sign_in_attempt(client, f"nobody{attempt}@example.com", "guess", **attacker)

    assert not sign_in_attempt(client, member.email, PASSWORD, **attacker)
    assert sign_in_attempt(client, member.email, PASSWORD, **owner)


# Case i19.9: emails longer than their column, and invalid ones from Xero

LONG_EMAIL = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.{'e' * 40}.com"  # 301 characters, well formed


@pytest.mark.django_db
def test_an_email_longer_than_its_column_is_refused_by_the_form(member_client, team_a):
    """Case i19.9: a 301-character address (the form allowed 320, the column holds 254) is refused with a
    message and nothing is saved (PostgreSQL refused it with a 500)."""
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    assert len(LONG_EMAIL) == 301

    response = member_client.post(
        reverse("contacts:edit", args=[organisation.pk]), edit_form(name="Bluebell Bakehouse", emails=(LONG_EMAIL,))
    )

    assert response.status_code == 200
    assert "at most 254 characters" in response.text
    organisation.refresh_from_db()
    assert (organisation.name, organisation.emails.count()) == ("Bluebell Bakery", 0)


@pytest.mark.django_db
def test_an_invalid_email_from_xero_is_flagged_and_the_rest_of_the_form_saves(member_client, team_a):
    """Case i19.9: an invalid address that came from Xero is shown flagged on the edit page and kept; the rest
    of the form saves (the form used to refuse to save until someone deleted it). A new invalid one is still
    refused."""
    organisation = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    EmailAddressFactory(contact=organisation, address="accounts at bluebell")
    url = reverse("contacts:edit", args=[organisation.pk])

    page = member_client.get(url)
    as_shown = {"emails-INITIAL_FORMS": "1"}  # the page's management form counts the row it showed
    saved = member_client.post(url, edit_form(name="Bluebell Bakehouse", emails=("accounts at bluebell",)) | as_shown)
    refused = member_client.post(url, edit_form(name="Bluebell Bakehouse", emails=("orders at bluebell",)) | as_shown)

    assert "Not a valid email" in page.text
    assert saved.status_code == 302
    assert refused.status_code == 200
    assert "Enter a valid email address." in refused.text
    organisation.refresh_from_db()
    assert organisation.name == "Bluebell Bakehouse"
    assert [email.address for email in organisation.emails.all()] == ["accounts at bluebell"]


def test_behind_the_proxy_allauth_takes_the_client_address_the_proxy_appended():
    """Case i19.10: BEHIND_HTTPS_PROXY=1 alone makes the sign-in throttle see the client's address: the last
    X-Forwarded-For entry (the proxy's), not the proxy's own address nor what the client wrote first. A fresh
    interpreter reads the settings, as a server starts."""
    probe = (
        "import django; django.setup(); from django.test import RequestFactory; "
        "from allauth.account.adapter import get_adapter; "
        "request = RequestFactory().get('/', REMOTE_ADDR='10.0.0.2', "
        "HTTP_X_FORWARDED_FOR='198.51.100.7, 203.0.113.5'); print(get_adapter().get_client_ip(request))"
    )
    env = {**os.environ, "BEHIND_HTTPS_PROXY": "1", "DJANGO_SETTINGS_MODULE": "capsync.settings"}

    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "203.0.113.5"


# Case i19.14: bidirectional controls in names


@pytest.mark.parametrize("control", list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))
def test_names_show_without_bidirectional_controls_and_still_escaped(control):
    """Case i19.14: `|nobidi` removes each embedding, override, isolate and mark; letters of right-to-left
    scripts stay, and the name is still escaped."""
    bakery_in_arabic = "\u0645\u062e\u0628\u0632"

    shown = Template("{{ name|nobidi }}").render(Context({"name": f"<b>Bakery {control}exe.gnp {bakery_in_arabic}"}))

    assert shown == f"&lt;b&gt;Bakery exe.gnp {bakery_in_arabic}"
