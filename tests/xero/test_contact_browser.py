"""In Chromium, on the demo: "Sync this contact now" updates the panel in place, and an admin resolves a
doubtful match from the admin site."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from capsync.celery import app as celery_app
from contacts.models import Contact
from integrations.xero.models import MatchConflict, XeroContact
from tests.xero_records import xero_invoice

pytestmark = [pytest.mark.browser]


@pytest.fixture
def tasks_run_inline():
    """Tasks run in the live server's request thread, as soon as the request's transaction commits."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_sync_this_contact_now_updates_the_panel_in_place(demo_world, signed_in_page, live_server, tasks_run_inline):
    acme = Contact.objects.get(name="Acme Widgets Ltd")
    uk = demo_world.connections["Demo Company (UK)"]
    link = XeroContact.objects.get(connection=uk, contact=acme)
    page = signed_in_page(demo_world.user("sam@example.com"))
    page.goto(f"{live_server.url}/contacts/{acme.pk}/")
    expect(page.locator("#invoice-panel")).to_contain_text("INV-0001")
    expect(page.locator("#xero-status")).to_contain_text("Linked to Acme Widgets Ltd")
    new_invoice = xero_invoice(
        contact={"ContactID": link.xero_id, "Name": link.name}, number="INV-NEW-77", total="99.00"
    )
    demo_world.sandbox.load(uk.tenant_id, {"Invoices": [new_invoice]})
    page.wait_for_timeout(1100)  # the sandbox's clock ticks past the sync's; nothing else moves the page
    expect(page.locator("#invoice-panel")).not_to_contain_text("INV-NEW-77")

    page.get_by_role("button", name="Sync this contact now").click()

    expect(page.locator("#invoice-panel")).to_contain_text("INV-NEW-77")
    expect(page.get_by_role("button", name="Sync this contact now")).to_be_enabled()
    assert page.url == f"{live_server.url}/contacts/{acme.pk}/"


def test_an_admin_links_a_doubtful_match_from_the_admin_site(demo_world, signed_in_page, live_server):
    TOTP.activate(demo_world.admin, generate_totp_secret())
    conflict = MatchConflict.objects.get(xero_contact__name="Smith & Co", status=MatchConflict.Status.OPEN)
    chosen = Contact.objects.get(name="Smith & Co")
    page = signed_in_page(demo_world.admin)
    page.goto(f"{live_server.url}/admin/xero/matchconflict/?status__exact=open")

    page.get_by_role("link", name="Smith & Co").click()
    evidence = page.locator("#conflict-evidence")
    expect(evidence).to_contain_text("In Xero (Demo Company (UK) (GBP))")
    evidence.get_by_role("row").filter(has_text="Smith & Co").filter(has_text="In Capsync").get_by_role(
        "button", name="Link to this one"
    ).click()

    expect(page.locator(".messagelist")).to_contain_text("Smith & Co")
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolved_contact_id) == (MatchConflict.Status.RESOLVED, chosen.pk)
    assert XeroContact.objects.get(pk=conflict.xero_contact_id).contact_id == chosen.pk


def test_the_panel_loads_lazily_and_a_failed_load_offers_to_try_again(demo_world, signed_in_page, live_server):
    acme = Contact.objects.get(name="Acme Widgets Ltd")
    page = signed_in_page(demo_world.user("sam@example.com"))
    panel_url = f"**/invoices/contacts/{acme.pk}/"
    page.route(panel_url, lambda route: route.fulfill(status=500, body="Server Error"))

    served = page.goto(f"{live_server.url}/contacts/{acme.pk}/")

    assert "Loading invoices" in served.text()
    assert "INV-0001" not in served.text()
    slot = page.locator("#invoice-panel-slot")
    expect(slot.get_by_role("alert")).to_have_text(
        "The Xero panel could not be loaded. Capsync answered 500. Try again"
    )
    page.unroute(panel_url)

    slot.get_by_role("button", name="Try again").click()

    expect(page.locator("#invoice-panel")).to_contain_text("INV-0001")
    expect(page.locator("#invoice-panel")).to_contain_text("oldest 45 days overdue")
