"""Issue 14, found by a new user in Chromium: an organisation's sync that is queued shows as queued, and the
integrations page keeps polling until it has run."""

import pytest
from django.urls import reverse

from integrations.xero.models import SyncRun
from tests.xero.sync_data import sync

pytestmark = pytest.mark.django_db

STOP_POLLING = 286  # htmx's "stop polling" status


def status_of(client, connection):
    return client.get(reverse("xero:sync_status", args=[connection.pk]), headers={"HX-Request": "true"})


def test_the_first_sync_queued_by_the_wizard_shows_as_queued_and_keeps_polling(admin_client, xero_connection):
    # The wizard saved the options and queued the first sync; no worker has picked it up yet.
    response = status_of(admin_client, xero_connection)

    assert response.status_code == 200
    assert "Sync queued" in response.text
    assert "Not synced yet" not in response.text


def test_once_the_queued_sync_has_run_the_status_says_so_and_polling_stops(admin_client, xero_connection):
    sync(xero_connection)

    response = status_of(admin_client, xero_connection)

    assert response.status_code == STOP_POLLING
    assert "Last sync succeeded" in response.text
    assert "Sync queued" not in response.text


def test_sync_now_after_a_run_shows_the_new_sync_as_queued(
    admin_client, xero_connection, django_capture_on_commit_callbacks
):
    sync(xero_connection)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        admin_client.post(reverse("xero:sync_now", args=[xero_connection.pk]))

    response = status_of(admin_client, xero_connection)

    assert len(queued) == 1
    assert response.status_code == 200
    assert "Sync queued" in response.text
    assert SyncRun.objects.filter(connection=xero_connection).count() == 1
