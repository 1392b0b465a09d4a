"""Issue 17 in Chromium on the demo world: a name an archived Xero contact holds gives the conflict, never a
suffix; a person marked "gets invoices" in Capsync becomes the Xero contact's person with IncludeInEmails."""

import pytest
from playwright.sync_api import expect

from capsync.celery import app as celery_app
from contacts.models import Contact
from integrations.xero import auth
from integrations.xero.models import MatchConflict, XeroConnection, XeroContact

pytestmark = pytest.mark.browser

UK = "Demo Company (UK)"


@pytest.fixture
def tasks_run_inline():
    """Tasks run in the live server's request thread, as soon as the request's transaction commits."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _in_sandbox(demo_world, connection: XeroConnection, path: str, **params) -> dict:
    connection.grant.refresh_from_db()
    response = demo_world.sandbox.api(
        "GET",
        path,
        tenant_id=connection.tenant_id,
        access_token=auth.secret_decrypt(connection.grant.access_token_encrypted),
        params=params,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_renaming_to_an_archived_xero_contacts_name_gives_the_conflict_not_a_suffix(
    demo_world, signed_in_page, live_server, tasks_run_inline
):
    uk = demo_world.connections[UK]
    archived = XeroContact.objects.get(connection=uk, name="Old Customer Ltd")
    assert archived.status == "ARCHIVED"  # the demo seed's archived contact
    bakery = Contact.objects.get(name="Bluebell Bakery")
    page = signed_in_page(demo_world.admin)
    page.goto(f"{live_server.url}/contacts/{bakery.pk}/edit/")

    page.locator("[name=name]").fill("Old Customer Ltd")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#xero-push")).to_contain_text(
        "Xero already has a contact named Old Customer Ltd (archived there)"
    )
    page.screenshot(path="/tmp/persons_archived_name_conflict.png", full_page=True)
    conflict = MatchConflict.objects.get(kind=MatchConflict.Kind.NAME, contact=bakery)
    assert (conflict.xero_contact_id, conflict.status, conflict.name) == (archived.pk, "open", "Old Customer Ltd")
    listed = _in_sandbox(demo_world, uk, "Contacts", includeArchived="true")["Contacts"]
    assert sorted(c["Name"] for c in listed if c["Name"].startswith("Old Customer")) == ["Old Customer Ltd"]
    assert any(c["Name"] == "Bluebell Bakery" for c in listed)


def test_a_billing_person_set_here_is_the_xero_contacts_person_with_include_in_emails(
    demo_world, signed_in_page, live_server, tasks_run_inline
):
    uk = demo_world.connections[UK]
    acme = Contact.objects.get(name="Acme Widgets Ltd")
    link = XeroContact.objects.get(connection=uk, contact=acme)
    page = signed_in_page(demo_world.admin)
    page.goto(f"{live_server.url}/contacts/{acme.pk}/")
    page.get_by_role("link", name="Add person").click()

    page.get_by_label("First name").fill("Imogen")
    page.get_by_label("Last name").fill("Payne")
    page.locator("[name=emails-0-address]").fill("imogen.payne@acme-widgets.example")
    page.get_by_label("Gets the organisation's invoices").check()
    page.get_by_role("button", name="Add person").click()
    page.get_by_role("link", name="Acme Widgets Ltd").first.click()

    expect(page.locator("#invoice-recipients")).to_contain_text("imogen.payne@acme-widgets.example")
    page.screenshot(path="/tmp/persons_invoice_recipients.png", full_page=True)
    persons = _in_sandbox(demo_world, uk, f"Contacts/{link.xero_id}")["Contacts"][0]["ContactPersons"]
    assert {
        "FirstName": "Imogen",
        "LastName": "Payne",
        "EmailAddress": "imogen.payne@acme-widgets.example",
        "IncludeInEmails": True,
    } in persons
