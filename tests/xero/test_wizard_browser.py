import pytest
from playwright.sync_api import expect

from accounts.models import Team
from integrations.xero.models import XeroConnection
from tests.xero_world import XERO_USER_PASSWORD, xero_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_xero(sandbox, settings, live_server):
    return xero_world(sandbox, settings, redirect_uri=f"{live_server.url}/integrations/xero/callback/")


def test_admin_connects_one_of_two_organisations_through_xero_consent(
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
    page.get_by_label("Demo NZ Ltd").check()
    page.click("#allow")
    expect(page.get_by_role("heading", name="Choose organisations")).to_be_visible()
    page.get_by_label("Demo NZ Ltd").check()
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("heading", name="How Demo NZ Ltd syncs")).to_be_visible()
    page.get_by_label("Import suppliers and tag them").check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#xero-connections")).to_contain_text("Demo NZ Ltd")
    expect(page.locator("#xero-connections")).not_to_contain_text("Demo UK Ltd")
    connection = XeroConnection.objects.get()
    assert (connection.name, connection.base_currency, connection.suppliers, connection.default_team.name) == (
        "Demo NZ Ltd",
        "NZD",
        "import_tagged",
        "Pacific",
    )


def test_cancelling_at_xero_shows_a_friendly_page_and_a_restart(signed_in_page, mfa_admin, browser_xero, live_server):
    page = signed_in_page(mfa_admin)
    page.goto(f"{live_server.url}/integrations/xero/connect/")

    page.click("#connect-to-xero")
    page.fill("#email", browser_xero.user_email)
    page.fill("#password", XERO_USER_PASSWORD)
    page.click("#sign-in")
    page.click("#cancel")

    expect(page.locator("#xero-problem")).to_contain_text("You chose not to let Capsync into Xero")
    page.get_by_role("link", name="Start again").click()
    expect(page.locator("#connect-to-xero")).to_be_visible()
    assert not XeroConnection.objects.exists()
