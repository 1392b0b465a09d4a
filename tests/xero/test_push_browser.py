import pytest
from playwright.sync_api import expect

from capsync.celery import app as celery_app
from tests.xero.sync_data import load, sync
from tests.xero.test_push import crm, rename_in_xero
from tests.xero_records import xero_contact, xero_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tasks_run_inline():
    """Tasks run in the live server's request thread, as soon as the request's transaction commits."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_a_refused_edit_shows_xeros_reason_and_try_again_sends_it_after_the_fix(
    signed_in_page, mfa_admin, xero, xero_connection, live_server, tasks_run_inline
):
    bakery, acme = xero_contact(name="Bluebell Bakery"), xero_contact(name="Acme Ltd")
    load(xero, contacts=[bakery, acme], invoices=[xero_invoice(contact=bakery)])
    sync(xero_connection)
    page = signed_in_page(mfa_admin)
    page.goto(f"{live_server.url}/contacts/{crm(bakery).pk}/edit/")
    page.get_by_label("Name").fill("Acme Ltd")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#xero-push")).to_contain_text(
        "Xero refused the last change: Xero already has a contact named Acme Ltd"
    )
    rename_in_xero(xero, xero_connection, acme, "Acme Holdings Ltd")

    page.get_by_role("button", name="Try again").click()

    expect(page.locator("#xero-push")).to_contain_text("In sync with Xero.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Ltd")
