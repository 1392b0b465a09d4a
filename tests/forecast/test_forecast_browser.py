from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import InvoiceFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clicking_a_weeks_bar_lists_its_invoices_without_a_reload(signed_in_page, member, team_a, live_server):
    contact = OrganisationFactory(name="Acme Ltd", team=team_a)
    InvoiceFactory(
        contact=contact,
        number="INV-WEEK2",
        due_on=timezone.localdate() + timedelta(days=8),
        sub_total=Decimal("640.00"),
    )
    page = signed_in_page(member)
    page.goto(f"{live_server.url}/forecast/")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Week 2: GBP 640.00").click()

    expect(page.locator("#week-detail")).to_contain_text("INV-WEEK2")
    expect(page.locator("#week-detail")).to_contain_text("no payment history: on the due date")
    assert page.evaluate("window.notReloaded") is True
