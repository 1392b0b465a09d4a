"""Issue 14, found by a new user in Chromium: after the wizard, the organisation's queued first sync shows as
queued, and the integrations page keeps polling until a worker has run it."""

import pytest
from playwright.sync_api import expect

from accounts.models import Team
from integrations.xero.models import XeroConnection
from tests.xero.sync_data import sync
from tests.xero_world import XERO_USER_PASSWORD, xero_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_xero(sandbox, settings, live_server):
    return xero_world(sandbox, settings, redirect_uri=f"{live_server.url}/integrations/xero/callback/")


def test_the_first_sync_shows_as_queued_and_the_page_polls_until_it_has_run(
    signed_in_page, mfa_admin, browser_xero, live_server
):
    Team.objects.create(name="Pacific")
    page = signed_in_page(mfa_admin)
    page.goto(f"{live_server.url}/integrations/xero/connect/")
    page.click("#connect-to-xero")
    page.fill("#email", browser_xero.user_email)
    page.fill("#password", XERO_USER_PASSWORD)
    page.click("#sign-in")
    page.get_by_label("Demo UK Ltd").check()
    page.click("#allow")
    page.get_by_role("button", name="Save").click()
    connection = XeroConnection.objects.get()
    status = page.locator(f"#sync-status-{connection.pk}")
    expect(status).to_contain_text("Sync queued")  # no worker has picked the first sync up yet

    sync(connection)  # a worker runs it

    expect(status).to_contain_text("Last sync succeeded", timeout=15_000)
