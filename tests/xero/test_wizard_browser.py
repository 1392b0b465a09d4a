import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Team
from integrations.xero.models import XeroConnection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _allow_both_and_link(page, name: str) -> None:
    """Allow both sandbox organisations at Xero's consent page, then link only `name`: on to its options."""
    page.get_by_label("Demo UK Ltd").check()
    page.get_by_label("Demo NZ Ltd").check()
    page.click("#allow")
    expect(page.get_by_role("heading", name="Choose organisations")).to_be_visible()
    page.get_by_label(name).check()
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("heading", name=f"How {name} syncs")).to_be_visible()


def test_admin_connects_one_of_two_organisations_through_xero_consent(xero_consent_page):
    Team.objects.create(name="Pacific")
    page = xero_consent_page

    _allow_both_and_link(page, "Demo NZ Ltd")
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


def test_cancelling_at_xero_shows_a_friendly_page_and_a_restart(xero_consent_page):
    page = xero_consent_page

    page.click("#cancel")

    expect(page.locator("#xero-problem")).to_contain_text("You chose not to let Capsync into Xero")
    page.get_by_role("link", name="Start again").click()
    expect(page.locator("#connect-to-xero")).to_be_visible()
    assert not XeroConnection.objects.exists()


def test_each_sync_option_stands_on_its_own_line_under_its_label(xero_consent_page):
    Team.objects.create(name="Pacific")
    page = xero_consent_page
    _allow_both_and_link(page, "Demo UK Ltd")

    team, interval, push, quote_move = (
        page.locator(f"#id_{name}").bounding_box()
        for name in ("default_team", "sync_interval_seconds", "push_crm_edits", "accepted_quote_milestone")
    )
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "sync-options.png"), full_page=True)

    assert team["y"] + team["height"] <= interval["y"]
    assert interval["y"] + interval["height"] <= push["y"]
    assert push["y"] + push["height"] <= quote_move["y"]
