"""Pages in Chromium: the dashboard's wide tables in a narrow column, and the icon every page names."""

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import InvoiceFactory, OpportunityFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_won_sales_table_keeps_its_last_column_inside_its_card(signed_in_page, member, team_a, live_server):
    for number in range(3):
        contact = OrganisationFactory(name=f"Bluebell Bakery {number}", team=team_a)
        sale = OpportunityFactory(
            contact=contact,
            name=f"Bluebell Bakery: Shop fit-out programme {number}",
            outcome="won",
            closed_on=date(2026, 7, 25),
            value=Decimal("6000.00"),
        )
        InvoiceFactory(
            contact=contact,
            reference=f"OPP-{sale.pk}-1",
            sub_total=Decimal("5000.00"),
            due_on=timezone.localdate() - timedelta(days=12),
        )
    page = signed_in_page(member)
    page.set_viewport_size({"width": 1000, "height": 900})  # its column is narrower than the table
    page.goto(f"{live_server.url}/")

    card = page.locator("#won-not-invoiced")
    last_column = card.get_by_role("columnheader", name="To invoice")
    last_column.scroll_into_view_if_needed()
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "dashboard-won.png"), full_page=True)
    card_box, column_box = card.bounding_box(), last_column.bounding_box()

    assert column_box["x"] + column_box["width"] <= card_box["x"] + card_box["width"]


def test_the_pages_and_the_sign_in_page_name_an_icon_that_is_served(signed_in_page, browser, member, live_server):
    """Without one a browser asks for /favicon.ico, a 404 in every log."""
    page = signed_in_page(member)
    anonymous = browser.new_page()
    page.goto(f"{live_server.url}/")
    anonymous.goto(f"{live_server.url}/accounts/login/")

    for each in (page, anonymous):
        icon = each.locator('link[rel="icon"]').get_attribute("href", timeout=2_000)
        answer = each.request.get(f"{live_server.url}{icon}")
        assert (answer.status, answer.headers["content-type"]) == (200, "image/svg+xml")
    anonymous.close()
