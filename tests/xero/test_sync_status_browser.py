"""Issue 14, found by a new user in Chromium: after the wizard, the organisation's queued first sync shows as
queued, and the integrations page keeps polling until a worker has run it."""

import pytest
from playwright.sync_api import expect

from accounts.models import Team
from integrations.xero.models import XeroConnection
from tests.xero.sync_data import sync

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_first_sync_shows_as_queued_and_the_page_polls_until_it_has_run(xero_consent_page):
    Team.objects.create(name="Pacific")
    page = xero_consent_page
    page.get_by_label("Demo UK Ltd").check()
    page.click("#allow")
    page.get_by_role("button", name="Save").click()
    connection = XeroConnection.objects.get()
    status = page.locator(f"#sync-status-{connection.pk}")
    expect(status).to_contain_text("Sync queued")  # no worker has picked the first sync up yet

    sync(connection)  # a worker runs it

    expect(status).to_contain_text("Last sync succeeded", timeout=15_000)
