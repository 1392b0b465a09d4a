""" "Sync this contact now" and the contact's Xero link state, against the sandbox."""

import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.xero.models import SyncRun, XeroConnection, XeroContact
from integrations.xero.sync import claims
from tests.factories import OrganisationFactory, UserFactory
from tests.xero.sync_data import doubtful_match, load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db

ACCOUNTING = "/api/api.xro/2.0/"


@pytest.fixture
def bakery(xero, xero_connection):
    """A paying Xero customer, brought into the CRM and linked by a first sync."""
    customer = xero_contact(name="Bluebell Bakery", email="orders@bluebell.example")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer, number="INV-1", total="100.00")])
    sync(xero_connection)
    return XeroContact.objects.get(xero_id=customer["ContactID"])


def status_of(client, contact_id: int, **params):
    return client.get(reverse("xero:contact_status", args=[contact_id]), params, headers={"HX-Request": "true"})


def sync_now_and_poll(client, contact_id: int, tasks_run_inline):
    """Press "Sync this contact now" (the task runs when the request commits), then poll the status once."""
    pressed = tasks_run_inline(
        lambda: client.post(reverse("xero:contact_sync", args=[contact_id]), headers={"HX-Request": "true"})
    )
    assert "Fetching from Xero" in pressed.text
    poll_url = pressed.text.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    return client.get(poll_url, headers={"HX-Request": "true"})


def test_the_status_names_the_xero_contact_it_is_linked_to(admin_client, bakery):
    response = status_of(admin_client, bakery.contact_id)

    assert response.status_code == 200
    assert "Linked to Bluebell Bakery" in response.text
    assert "Sync this contact now" in response.text
    assert 'hx-trigger="every 1s"' not in response.text


def test_sync_this_contact_now_fetches_only_its_records_and_reloads_the_panel(
    xero, admin_client, bakery, tasks_run_inline
):
    customer = {"ContactID": bakery.xero_id, "Name": bakery.name}
    someone_else = xero_contact(name="Someone Else")
    load(
        xero,
        contacts=[someone_else],
        invoices=[
            xero_invoice(contact=customer, number="INV-2", total="250.00"),
            xero_invoice(contact=someone_else, number="INV-3"),
        ],
    )
    first_call = xero.sandbox.calls(since_id=2**62)["last_id"]

    response = sync_now_and_poll(admin_client, bakery.contact_id, tasks_run_inline)

    calls = [call for call in xero.sandbox.calls(since_id=first_call)["calls"] if ACCOUNTING in call["path"]]
    assert sorted(call["path"].removeprefix(ACCOUNTING) for call in calls) == ["Contacts", "CreditNotes", "Invoices"]
    invoice_call = next(call for call in calls if call["path"].endswith("Invoices"))
    assert parse_qs(invoice_call["query"])["ContactIDs"] == [bakery.xero_id]
    assert response.status_code == 200
    assert "invoices-changed" in json.loads(response.headers["HX-Trigger"])
    assert "Fetching from Xero" not in response.text
    contact_run = SyncRun.objects.get(kind=SyncRun.Kind.CONTACT)
    assert (contact_run.outcome, contact_run.contact_id, contact_run.api_calls) == (
        SyncRun.Outcome.SUCCEEDED,
        bakery.contact_id,
        3,
    )
    panel = admin_client.get(reverse("invoices:contact", args=[bakery.contact_id]), headers={"HX-Request": "true"})
    assert "INV-2" in panel.text
    assert "INV-3" not in panel.text


def test_while_the_fetch_is_queued_the_status_polls_and_says_so(
    admin_client, bakery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(
            reverse("xero:contact_sync", args=[bakery.contact_id]), headers={"HX-Request": "true"}
        )

    assert len(queued) == 1
    assert "Fetching from Xero" in response.text
    assert 'hx-trigger="every 1s"' in response.text
    assert "HX-Trigger" not in response.headers
    poll_url = response.text.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    assert "Fetching from Xero" in admin_client.get(poll_url, headers={"HX-Request": "true"}).text


def test_a_fetch_that_waits_too_long_stops_polling_and_says_why(admin_client, bakery):
    long_ago = (timezone.now() - timedelta(minutes=5)).isoformat()

    response = status_of(admin_client, bakery.contact_id, since=long_ago)

    assert "taking longer than usual" in response.text
    assert 'hx-trigger="every 1s"' not in response.text


def test_an_unreachable_xero_shows_the_time_of_the_data_on_show(
    xero, admin_client, bakery, tasks_run_inline, task_runtime
):
    xero.sandbox.fault(match="Invoices", kind="503", count=20)
    synced_at = XeroConnection.objects.get().last_successful_sync_at

    response = sync_now_and_poll(admin_client, bakery.contact_id, tasks_run_inline)

    assert SyncRun.objects.get(kind=SyncRun.Kind.CONTACT).outcome == SyncRun.Outcome.PARTIAL
    assert len(task_runtime) == 4  # the backoff between five attempts, waited on the task layer's sleep
    shown = f"Xero is unreachable, showing data from {timezone.localtime(synced_at):%H:%M}."
    assert shown in response.text
    assert shown in status_of(admin_client, bakery.contact_id).text


def test_a_contact_sync_during_an_organisation_sync_is_skipped_and_says_so(admin_client, bakery, tasks_run_inline):
    claims.sync_claim(connection_id=bakery.connection_id, now=timezone.now())

    response = sync_now_and_poll(admin_client, bakery.contact_id, tasks_run_inline)

    assert SyncRun.objects.get(kind=SyncRun.Kind.CONTACT).outcome == SyncRun.Outcome.SKIPPED
    assert "A sync of the whole organisation was running" in response.text


def test_a_contact_in_a_conflict_says_it_waits_for_an_admin(xero, admin_client, xero_connection):
    conflict = doubtful_match(xero, xero_connection)
    candidate_id = conflict.candidates[0]["contact_id"]

    response = status_of(admin_client, candidate_id)

    assert "Conflict waiting for an admin" in response.text
    assert "Sync this contact now" not in response.text


def test_a_contact_never_in_xero_says_so_and_offers_no_sync(admin_client, xero_connection):
    contact = OrganisationFactory(name="Only In Capsync", team=xero_connection.default_team)

    response = status_of(admin_client, contact.pk)

    assert "Not in Xero" in response.text
    assert "Sync this contact now" not in response.text


def test_with_no_organisation_connected_the_status_says_where_to_connect(admin_client, mfa_admin):
    contact = OrganisationFactory(name="Early Days")

    response = status_of(admin_client, contact.pk)

    assert "Connect Xero in" in response.text
    assert reverse("xero:integrations") in response.text


def test_another_teams_contact_is_not_found(client, bakery, team_b, tasks_run_inline):
    outsider = UserFactory(email="outsider@example.com", teams=[team_b])
    client.force_login(outsider)

    status = status_of(client, bakery.contact_id)
    fetch = tasks_run_inline(lambda: client.post(reverse("xero:contact_sync", args=[bakery.contact_id])))

    assert (status.status_code, fetch.status_code) == (404, 404)
    assert not SyncRun.objects.filter(kind=SyncRun.Kind.CONTACT).exists()


def test_the_status_costs_the_same_queries_whatever_the_history(
    admin_client, bakery, django_assert_max_num_queries, tasks_run_inline
):
    for _ in range(3):
        sync_now_and_poll(admin_client, bakery.contact_id, tasks_run_inline)

    with django_assert_max_num_queries(10):
        response = status_of(admin_client, bakery.contact_id)

    assert "Linked to Bluebell Bakery" in response.text
