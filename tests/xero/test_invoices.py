"""Sales invoices made in Xero from a won opportunity (issue 16): the form's starting point, one invoice per
submission whatever the clicks, races and lost answers, Xero's refusals shown with nothing kept, and the invoice
tied back to its opportunity."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from integrations.xero.models import CreateRequest, XeroConnection, XeroContact
from integrations.xero.sync import invoicing
from invoices.models import Invoice, Organisation
from opportunities.models import Opportunity
from tests.concurrency import at_once
from tests.factories import OpportunityFactory, OrganisationFactory
from tests.xero.quote_data import xero_api
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db

INVOICES_PATH = "^/api/api.xro/2.0/Invoices$"


def _won(opportunity: Opportunity) -> Opportunity:
    opportunity.outcome, opportunity.closed_on = Opportunity.Outcome.WON, date(2026, 11, 20)
    opportunity.save()
    return opportunity


@pytest.fixture
def won_opportunity(xero_connection):
    """A won GBP opportunity whose contact is not in Xero yet."""
    contact = OrganisationFactory(name="Corner Shop", team=xero_connection.default_team)
    return _won(OpportunityFactory(name="Shop fit-out", contact=contact, value=Decimal("1250.00")))


@pytest.fixture
def won_linked_opportunity(xero_connection, xero):
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    link = XeroContact.objects.get(xero_id=customer["ContactID"])
    return _won(OpportunityFactory(name="Wedding cakes", contact=link.contact, value=Decimal("900.00")))


def invoice_data(connection, *, key: uuid.UUID | None = None, **changes: str) -> dict[str, str]:
    data = {
        "submission_key": str(key or uuid.uuid4()),
        "organisation": str(connection.pk),
        "status": "DRAFT",
        "date": "2026-11-25",
        "due_date": "2026-12-25",
        "line_amount_types": "Exclusive",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-description": "Shelving",
        "lines-0-quantity": "2",
        "lines-0-unit_amount": "500.00",
        "lines-0-discount_rate": "10",
        "lines-1-description": "Counter",
        "lines-1-quantity": "1",
        "lines-1-unit_amount": "250.00",
    }
    data.update(changes)
    return data


def submit(browser: Client, opportunity: Opportunity, data: dict[str, str], query: str = ""):
    return browser.post(reverse("xero:invoice_create", args=[opportunity.pk]) + query, data)


def sandbox_invoices(connection) -> list[dict]:
    """The sales invoices the sandbox holds for the organisation, with their line items (Xero's JSON)."""
    found = xero_api(connection).request("GET", "Invoices", params={"page": "1"})["Invoices"]
    return [invoice for invoice in found if invoice["Type"] == "ACCREC" and invoice["Reference"].startswith("OPP-")]


def invoice_puts(xero) -> int:
    return sum(
        1 for call in xero.sandbox.calls()["calls"] if call["method"] == "PUT" and call["path"].endswith("/Invoices")
    )


def test_the_form_starts_from_one_line_of_the_value_and_the_organisations_terms(
    seller_client, won_opportunity, xero_connection
):
    Organisation.objects.filter(pk=xero_connection.organisation_id).update(
        sales_terms_day=20, sales_terms_type="OFFOLLOWINGMONTH"
    )

    page = seller_client.get(reverse("xero:invoice_create", args=[won_opportunity.pk]))

    assert page.status_code == 200
    form, lines = page.context["form"], page.context["lines"]
    issued = form.initial["date"]
    following = date(issued.year + issued.month // 12, issued.month % 12 + 1, 20)
    assert form.initial["due_date"] == following
    assert form.initial["status"] == "DRAFT"
    assert [(line["description"], line["quantity"], line["unit_amount"]) for line in lines.initial] == [
        ("Shop fit-out", Decimal(1), Decimal("1250.00"))
    ]
    assert "the organisation&#x27;s terms: the 20th of the following month" in page.text


def test_the_contacts_own_terms_come_before_the_organisations(won_linked_opportunity, xero_connection):
    Organisation.objects.filter(pk=xero_connection.organisation_id).update(
        sales_terms_day=20, sales_terms_type="OFFOLLOWINGMONTH"
    )
    # The CRM contact holds its terms (their one home); the Xero copy's are only compared by field ownership.
    Contact.objects.filter(pk=won_linked_opportunity.contact_id).update(
        payment_terms_day=14, payment_terms_type="DAYSAFTERBILLDATE"
    )
    XeroContact.objects.filter(contact=won_linked_opportunity.contact).update(
        sales_terms_day=30, sales_terms_type="DAYSAFTERBILLDATE"
    )

    due = invoicing.due_date_default(
        connection_id=xero_connection.pk, contact_id=won_linked_opportunity.contact_id, issued_on=date(2026, 11, 25)
    )

    assert due.due_on == date(2026, 12, 9)
    assert due.source == "the contact's terms: 14 day(s) after the invoice date"


def test_an_approved_invoice_lands_in_xero_tied_to_the_opportunity_and_its_history(
    seller_client, won_linked_opportunity, xero_connection
):
    data = invoice_data(
        xero_connection, status="AUTHORISED", **{"lines-0-account_code": "200", "lines-1-account_code": "200"}
    )

    response = submit(seller_client, won_linked_opportunity, data)

    assert response.status_code == 302
    (made,) = sandbox_invoices(xero_connection)
    assert (made["Status"], made["Reference"], made["Type"]) == (
        "AUTHORISED",
        f"OPP-{won_linked_opportunity.pk}",
        "ACCREC",
    )
    assert made["InvoiceNumber"]
    assert made["DueDateString"].startswith("2026-12-25")
    assert [
        (line["Description"], line["Quantity"], line["UnitAmount"], line.get("DiscountRate"))
        for line in made["LineItems"]
    ] == [
        ("Shelving", Decimal("2.0000"), Decimal("500.00"), Decimal("10.00")),
        ("Counter", Decimal("1.0000"), Decimal("250.00"), None),
    ]
    assert made["SubTotal"] == Decimal("1150.00")  # 2 x 500 less 10%, and 250
    stored = Invoice.objects.get(xero_id=made["InvoiceID"])
    assert (stored.status, stored.contact_id, stored.reference) == (
        "AUTHORISED",
        won_linked_opportunity.contact_id,
        f"OPP-{won_linked_opportunity.pk}",
    )
    panel = seller_client.get(
        reverse("xero:opportunity_invoices", args=[won_linked_opportunity.pk]), headers={"HX-Request": "true"}
    )
    assert f"OPP-{won_linked_opportunity.pk}" in panel.text
    history = seller_client.get(reverse("activity:opportunity_history", args=[won_linked_opportunity.pk]))
    assert f"Invoice {made['InvoiceNumber']} issued" in history.text
    assert f"GBP {made['Total']:,.2f}" in history.text


def test_a_contact_not_in_xero_is_created_there_before_the_invoice(
    seller_client, won_opportunity, xero_connection, xero
):
    response = submit(seller_client, won_opportunity, invoice_data(xero_connection))

    assert response.status_code == 302
    link = XeroContact.objects.get(connection=xero_connection, contact=won_opportunity.contact)
    assert link.link_state == XeroContact.LinkState.LINKED
    (made,) = sandbox_invoices(xero_connection)
    assert (made["Contact"]["ContactID"], made["Status"]) == (link.xero_id, "DRAFT")


def test_an_open_opportunity_is_not_invoiced(seller_client, won_opportunity, xero_connection, xero):
    Opportunity.objects.filter(pk=won_opportunity.pk).update(outcome="open", closed_on=None)

    response = submit(seller_client, won_opportunity, invoice_data(xero_connection))

    assert response.status_code == 200
    assert "Only a won opportunity can be invoiced" in response.text
    assert invoice_puts(xero) == 0
    assert not CreateRequest.objects.exists()


def test_a_double_click_makes_one_invoice(seller_client, won_opportunity, xero_connection, xero):
    data = invoice_data(xero_connection)

    first = submit(seller_client, won_opportunity, data)
    second = submit(seller_client, won_opportunity, data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert len(sandbox_invoices(xero_connection)) == 1
    assert Invoice.objects.filter(reference=f"OPP-{won_opportunity.pk}").count() == 1
    assert invoice_puts(xero) == 1


def test_a_lost_answer_is_retried_into_the_same_invoice(seller_client, won_opportunity, xero_connection, xero):
    xero.sandbox.fault(match=INVOICES_PATH, method="PUT", kind="lose-response", count=1)
    data = invoice_data(xero_connection)

    lost = submit(seller_client, won_opportunity, data)
    retried = submit(seller_client, won_opportunity, data)

    assert lost.status_code == 400
    assert "Send the form again: it will not make a second invoice" in lost.text
    assert retried.status_code == 302
    (made,) = sandbox_invoices(xero_connection)
    assert Invoice.objects.get(reference=f"OPP-{won_opportunity.pk}").xero_id == made["InvoiceID"]
    assert invoice_puts(xero) == 2


def test_a_second_invoice_needs_confirming(seller_client, won_opportunity, xero_connection, xero):
    submit(seller_client, won_opportunity, invoice_data(xero_connection))

    again = submit(seller_client, won_opportunity, invoice_data(xero_connection))
    confirmed = submit(seller_client, won_opportunity, invoice_data(xero_connection, another_invoice="on"))

    assert again.status_code == 200
    assert "already has an invoice in Xero" in again.text
    assert confirmed.status_code == 302
    assert len(sandbox_invoices(xero_connection)) == 2


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_form_at_once_make_one_invoice(seller, won_opportunity, xero_connection, xero):
    xero.sandbox.config(latency_ms=300)  # the first is still waiting for Xero when the second arrives
    data = invoice_data(xero_connection)
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(seller)

    statuses = at_once(
        *(lambda browser=browser: submit(browser, won_opportunity, data).status_code for browser in browsers)
    )

    assert statuses == [302, 302]
    assert len(sandbox_invoices(xero_connection)) == 1
    assert Invoice.objects.filter(reference=f"OPP-{won_opportunity.pk}").count() == 1
    assert CreateRequest.objects.get().status == CreateRequest.Status.CREATED
    assert invoice_puts(xero) == 1


@pytest.mark.django_db(transaction=True)
def test_the_service_called_at_once_with_one_key_makes_one_invoice(seller, won_opportunity, xero_connection, xero):
    """What the instalment plan's beat task relies on: the service itself, not only the form, is idempotent."""
    xero.sandbox.config(latency_ms=300)
    XeroConnection.objects.filter(pk=xero_connection.pk).update(sales_account_code="200")  # an approved line needs one
    key = uuid.uuid4()
    line = invoicing.InvoiceLineInput(description="Instalment 1", quantity=Decimal(1), unit_amount=Decimal("400.00"))

    def create() -> str:
        return invoicing.invoice_create(
            opportunity_id=won_opportunity.pk,
            connection_id=xero_connection.pk,
            lines=[line],
            status="AUTHORISED",
            due_on=date(2026, 12, 31),
            reference=f"OPP-{won_opportunity.pk}-1",
            submission_key=key,
            requested_by=seller.pk,
        ).xero_id

    made = at_once(create, create, create)

    assert len(set(made)) == 1
    (invoice,) = sandbox_invoices(xero_connection)
    assert (invoice["Status"], invoice["Reference"]) == ("AUTHORISED", f"OPP-{won_opportunity.pk}-1")
    assert invoice_puts(xero) == 1


def test_a_reference_that_does_not_name_the_opportunity_is_refused(seller, won_opportunity, xero_connection):
    with pytest.raises(ValueError, match="referenced OPP-"):
        invoicing.invoice_create(
            opportunity_id=won_opportunity.pk,
            connection_id=xero_connection.pk,
            lines=[invoicing.InvoiceLineInput(description="x", quantity=Decimal(1), unit_amount=Decimal(1))],
            status="DRAFT",
            due_on=None,
            reference=f"OPP-{won_opportunity.pk + 1}",
            submission_key=uuid.uuid4(),
            requested_by=seller.pk,
            clock=timezone.now,
        )


def test_the_organisations_option_makes_approved_the_status_offered_first(
    admin_client, seller_client, won_opportunity, xero_connection
):
    admin_client.post(
        reverse("xero:options", args=[xero_connection.pk]),
        {
            "suppliers": "ignore",
            "default_team": xero_connection.default_team_id,
            "sync_interval_seconds": 7200,
            "invoice_status": "AUTHORISED",
        },
    )

    page = seller_client.get(reverse("xero:invoice_create", args=[won_opportunity.pk]))

    assert page.context["form"].initial["status"] == "AUTHORISED"


def test_xeros_refusal_is_shown_on_the_form_and_nothing_is_kept(
    seller_client, won_linked_opportunity, xero_connection, xero
):
    # The form offers the accounts the last sync read; account 200 has been archived in Xero since.
    xero.sandbox.load(
        xero.uk_tenant_id, {"Accounts": [{"Code": "200", "Name": "Sales", "Type": "REVENUE", "Status": "ARCHIVED"}]}
    )
    data = invoice_data(xero_connection, **{"lines-0-account_code": "200"})

    response = submit(seller_client, won_linked_opportunity, data)

    assert response.status_code == 400
    assert "Xero did not make the invoice" in response.text
    assert "Account code &#x27;200&#x27; has been archived" in response.text
    assert sandbox_invoices(xero_connection) == []
    assert not Invoice.objects.filter(reference=f"OPP-{won_linked_opportunity.pk}").exists()
    assert CreateRequest.objects.get().status == CreateRequest.Status.FAILED
    assert response.context["form"]["submission_key"].value() != data["submission_key"]  # the next try is new


def test_an_item_xero_does_not_know_is_refused_through_the_service(seller, won_linked_opportunity, xero_connection):
    line = invoicing.InvoiceLineInput(
        description="Mystery", quantity=Decimal(1), unit_amount=Decimal("5.00"), item_code="NO-SUCH"
    )

    with pytest.raises(invoicing.InvoiceRefused) as refused:
        invoicing.invoice_create(
            opportunity_id=won_linked_opportunity.pk,
            connection_id=xero_connection.pk,
            lines=[line],
            status="DRAFT",
            due_on=None,
            reference=None,
            submission_key=uuid.uuid4(),
            requested_by=seller.pk,
        )

    assert refused.value.messages == ["Item code 'NO-SUCH' is not valid"]
    assert sandbox_invoices(xero_connection) == []
