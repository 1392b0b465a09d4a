"""In Chromium: a salesperson imports Capsule's export from the contact list and watches the progress partial
poll until the worker's report replaces it (issue 15)."""

import re

import pytest
from playwright.sync_api import expect

from imports import services
from imports.models import Import
from tests.imports.conftest import HERE, clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_import_goes_from_upload_to_a_report_that_the_page_polls_for(signed_in_page, member, team_a, live_server):
    page = signed_in_page(member)
    page.goto(f"{live_server.url}/contacts/")

    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(str(HERE / "capsule_contacts_export.csv"))
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_label("Email (Home)")).to_have_value("email:home")
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator(".tiles")).to_contain_text("4 to create")
    page.get_by_role("button", name=re.compile(r"^Import 4 rows")).click()
    expect(page.locator("#import-progress")).to_contain_text("Queued")
    # No worker runs in this test: this process does the worker's job while the page polls.
    services.import_run(import_id=Import.objects.get().pk, clock=clock)

    expect(page.locator("#import-progress")).to_contain_text("Done: 4 of 4 rows")
    expect(page.locator("#import-progress")).to_contain_text("4 created")
    expect(page.locator("#import-progress")).not_to_have_attribute("hx-trigger", "every 1s")
