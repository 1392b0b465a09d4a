"""`make screenshots`: the README's pictures of the contact page, the pipeline and the dashboard (and the contact's
history, an opportunity and My tasks), taken in
Debian's Chromium from the demo after connecting Xero. Deselected from `make test` (marker `screenshots`)."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from contacts.models import Contact
from demo.services import DATA, INSTALMENT_SALE_ID
from invoices.models import Item
from opportunities.lines import LineData, line_add
from opportunities.models import Opportunity

pytestmark = [pytest.mark.screenshots, pytest.mark.browser]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def sam_page(demo_world, signed_in_page):
    """Sam of the Sales team, who owns Acme Widgets Ltd, in a browser."""
    return signed_in_page(demo_world.user("sam@example.com"))


def test_contact_page(sam_page, live_server):
    acme = Contact.objects.get(name="Acme Widgets Ltd")
    sam_page.goto(f"{live_server.url}/contacts/{acme.pk}/")
    expect(sam_page.locator("#invoice-panel")).to_contain_text("oldest 45 days overdue")
    expect(sam_page.locator("#xero-status")).to_contain_text("Linked to Acme Widgets Ltd")

    sam_page.screenshot(path=SCREENSHOTS / "contact.png", full_page=True)


def test_pipeline(sam_page, live_server):
    sam_page.goto(f"{live_server.url}/pipeline/")
    expect(sam_page.locator("article.deal").first).to_be_visible()

    sam_page.screenshot(path=SCREENSHOTS / "pipeline.png", full_page=True)


def test_dashboard(sam_page, live_server):
    sam_page.goto(f"{live_server.url}/")
    expect(sam_page.locator("#overdue-accounts")).to_contain_text("Acme Widgets Ltd")

    sam_page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)


def test_contact_history(sam_page, live_server):
    acme = Contact.objects.get(name="Acme Widgets Ltd")
    sam_page.goto(f"{live_server.url}/contacts/{acme.pk}/")
    expect(sam_page.locator("#history-list")).to_contain_text("Chased the overdue invoice")
    expect(sam_page.locator("#history-list")).to_contain_text("became overdue")
    expect(sam_page.locator("#payment-record")).to_contain_text("How they pay")

    sam_page.screenshot(path=SCREENSHOTS / "contact-history.png", full_page=True)


def test_opportunity(sam_page, live_server):
    sam_page.goto(f"{live_server.url}/pipeline/{INSTALMENT_SALE_ID}/")
    expect(sam_page.locator("#history-list")).to_contain_text("Instalment 1")
    expect(sam_page.locator("#history-list")).to_contain_text("the second shop opens on time")

    sam_page.screenshot(path=SCREENSHOTS / "opportunity.png", full_page=True)


def test_my_tasks(sam_page, live_server):
    sam_page.goto(f"{live_server.url}/history/tasks/")
    expect(sam_page.locator("#tasks-overdue")).to_contain_text("Send Hannah the purchase order details")

    sam_page.screenshot(path=SCREENSHOTS / "my-tasks.png", full_page=True)


def test_forecast(sam_page, live_server):
    """The dashboard's forecast card, then the forecast page with week 1 traced to its documents."""
    sam_page.goto(f"{live_server.url}/")
    expect(sam_page.locator("#cash-forecast")).to_contain_text("in 13 weeks")
    sam_page.locator("#cash-forecast h2 a").click()
    expect(sam_page.locator("svg.forecast-chart").first).to_be_visible()

    sam_page.locator("table.forecast-table").first.get_by_role("link", name="Week 1", exact=True).click()

    expect(sam_page.locator("#week-detail h2")).to_contain_text("Week 1")
    expect(sam_page.locator("#week-detail tbody tr").first).to_be_visible()
    sam_page.screenshot(path=SCREENSHOTS / "forecast.png", full_page=True)


def test_search_dropdown(sam_page, live_server):
    sam_page.goto(f"{live_server.url}/")
    box = sam_page.get_by_role("search").get_by_role("combobox")
    box.press_sequentially("ac", delay=40)
    expect(sam_page.get_by_role("listbox", name="Search results")).to_contain_text("Acme Widgets Ltd")
    box.press("ArrowDown")

    sam_page.screenshot(path=SCREENSHOTS / "search.png")


def test_create_invoice(sam_page, live_server):
    deal = Opportunity.objects.get(name=DATA["invoice_sale"]["name"])
    Opportunity.objects.filter(pk=deal.pk).update(outcome="won", closed_on=timezone.localdate())
    consulting = Item.objects.get(code="CONSULT-DAY", organisation__name="Demo Company (UK)")
    line_add(
        user=User.objects.get(email="sam@example.com"),
        opportunity_id=deal.pk,
        data=LineData(description="", quantity=Decimal(2), unit_amount=Decimal("850.00"), item_id=consulting.pk),
    )
    sam_page.goto(f"{live_server.url}/integrations/xero/opportunities/{deal.pk}/invoices/new/")
    expect(sam_page.locator("#due-source")).to_contain_text("the contact's terms")

    sam_page.screenshot(path=SCREENSHOTS / "create-invoice.png", full_page=True)
