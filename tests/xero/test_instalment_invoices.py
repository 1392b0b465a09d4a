"""An instalment plan's own invoices, raised in the sandbox (integrations/xero/sync/instalments.py): one per
instalment, referenced OPP-<id>-<n>, raised once however many workers run the beat task, and paid by itself."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.xero import auth, client, tasks
from integrations.xero.models import XeroConnection, XeroContact
from integrations.xero.sync import instalments
from invoices.models import Invoice
from opportunities import plan_invoicing, selectors, services
from opportunities.models import Instalment, InstalmentPlan
from opportunities.selectors import Progress
from tests.concurrency import at_once
from tests.factories import OpportunityFactory, OrganisationFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import payment_element, xero_contact, xero_invoice


def _approved_invoices(connection: XeroConnection) -> None:
    """The organisation's options: invoices approved, sales lines coded to account 200 (a payment needs both)."""
    XeroConnection.objects.filter(pk=connection.pk).update(invoice_status="AUTHORISED", sales_account_code="200")


# `seller` and `seller_client` are tests.xero.quote_data's (a plugin of tests/conftest.py).
@pytest.fixture
def sale(xero, xero_connection, seller):
    """A won sale of Bluebell Bakery (a paying Xero customer, linked by a first sync) in three instalments of
    400.00 due today + 10, + 40 and + 70 days (monthly from today + 10)."""
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    contact = XeroContact.objects.get(xero_id=customer["ContactID"]).contact
    sale = OpportunityFactory(
        name="Shop fit-out", contact=contact, outcome="won", closed_on=date(2026, 1, 5), value=Decimal("1200.00")
    )
    services.instalment_plan_create_even(
        opportunity_id=sale.pk, user=seller, count=3, first_due_on=timezone.localdate() + timedelta(days=10)
    )
    _approved_invoices(xero_connection)
    return sale


def _scheduled(sale, seller, connection, *, days: int) -> None:
    plan_invoicing.instalment_plan_invoicing_set(
        opportunity_id=sale.pk,
        user=seller,
        invoicing=InstalmentPlan.Invoicing.SCHEDULED,
        organisation_id=connection.organisation_id,
        raise_days_before_due=days,
    )


def _raise_due(at: datetime) -> instalments.Raised:
    return instalments.instalment_invoices_raise_due(identity=client.identity_from_settings(), clock=lambda: at)


def _sandbox_invoices(xero, connection, reference_prefix: str) -> list[dict]:
    connection.grant.refresh_from_db()
    found = xero.sandbox.api(
        "GET",
        "Invoices",
        tenant_id=xero.uk_tenant_id,
        access_token=auth.secret_decrypt(connection.grant.access_token_encrypted),
    ).json()["Invoices"]
    return sorted(
        (invoice for invoice in found if invoice["Reference"].startswith(reference_prefix)),
        key=lambda invoice: invoice["Reference"],
    )


pytestmark = pytest.mark.django_db


def test_a_scheduled_instalment_is_raised_its_days_before_its_due_date_and_only_then(
    sale, seller, xero, xero_connection
):
    _scheduled(sale, seller, xero_connection, days=14)  # the first is due in 10 days: its day has come
    now = timezone.now()

    first_run = _raise_due(now)
    second_run = _raise_due(now)  # the beat task run again: nothing more to raise

    assert (first_run.invoiced, second_run.invoiced) == (1, 0)
    (made,) = _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")
    assert made["Reference"] == f"OPP-{sale.pk}-1"
    assert made["Status"] == "AUTHORISED"
    assert Decimal(str(made["Total"])) == Decimal("400.00")
    first = sale.instalment_plan.instalments.get(position=1)
    assert first.invoice.xero_id == made["InvoiceID"]
    assert first.invoice.due_on == first.due_on
    assert (first.raise_error, first.raise_claimed_at) == ("", None)


def test_later_instalments_are_raised_when_the_clock_reaches_their_day(sale, seller, xero, xero_connection):
    _scheduled(sale, seller, xero_connection, days=14)

    _raise_due(timezone.now() + timedelta(days=30))  # the second is due in 40 days: 10 days from then

    assert [made["Reference"] for made in _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")] == [
        f"OPP-{sale.pk}-1",
        f"OPP-{sale.pk}-2",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_beat_task_together_raise_each_invoice_once(sale, seller, xero, xero_connection):
    _scheduled(sale, seller, xero_connection, days=90)  # all three are due to be raised
    later = timezone.now()

    runs = at_once(lambda: _raise_due(later), lambda: _raise_due(later))

    assert sum(run.invoiced for run in runs) == 3, runs
    made = _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")
    assert [invoice["Reference"] for invoice in made] == [f"OPP-{sale.pk}-{n}" for n in (1, 2, 3)]
    assert Instalment.objects.filter(plan__opportunity=sale, invoice__isnull=False).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_real_workers_running_the_beat_task_together_raise_each_invoice_once(
    sale, seller, xero, xero_connection, celery_workers
):
    _scheduled(sale, seller, xero_connection, days=90)
    celery_workers()
    celery_workers()

    results = [tasks.instalment_invoices_raise_due.delay(), tasks.instalment_invoices_raise_due.delay()]

    assert sum(result.get(timeout=120) for result in results) == 3
    made = _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")
    assert [invoice["Reference"] for invoice in made] == [f"OPP-{sale.pk}-{n}" for n in (1, 2, 3)]


def test_an_answer_lost_on_the_way_back_is_asked_again_and_gives_the_same_invoice(sale, seller, xero, xero_connection):
    _scheduled(sale, seller, xero_connection, days=14)
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices$", method="PUT", kind="lose-response", count=1)

    lost = _raise_due(timezone.now())
    retried = _raise_due(timezone.now())

    assert (lost.postponed, retried.invoiced) == (1, 1)
    (made,) = _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")
    assert sale.instalment_plan.instalments.get(position=1).invoice.xero_id == made["InvoiceID"]


def test_the_raised_invoices_payment_in_xero_shows_the_instalment_paid_after_a_sync(
    sale, seller, xero, xero_connection
):
    _scheduled(sale, seller, xero_connection, days=14)
    _raise_due(timezone.now())
    (made,) = _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")
    xero_connection.grant.refresh_from_db()
    paid = xero.sandbox.api(
        "PUT",
        "Payments",
        json={
            "Payments": [payment_element(invoice_id=made["InvoiceID"], amount=400, paid_on=str(timezone.localdate()))]
        },
        tenant_id=xero.uk_tenant_id,
        access_token=auth.secret_decrypt(xero_connection.grant.access_token_encrypted),
    )
    assert paid.status_code == 200, paid.text

    sync(xero_connection)

    plan = selectors.instalment_plan_detail(user=seller, opportunity_id=sale.pk, now=timezone.now())
    assert [row.status.progress for row in plan.rows] == [Progress.PAID, Progress.NOT_INVOICED, Progress.NOT_INVOICED]
    assert Invoice.objects.get(xero_id=made["InvoiceID"]).status == "PAID"


def test_nothing_is_raised_before_the_first_sync_has_shown_what_xero_already_has(xero, xero_connection, seller, team_a):
    """As on the demo: a plan whose first instalment was invoiced in Xero by hand (OPP-<id>-1) but not synced yet.
    The schedule waits for the sync, which matches that invoice; then only the second is raised."""
    customer = xero_contact(name="Bluebell Bakery")
    contact = OrganisationFactory(name="Bluebell Bakery", team=xero_connection.default_team)
    sale = OpportunityFactory(contact=contact, outcome="won", closed_on=date(2026, 1, 5), value=Decimal("800.00"))
    services.instalment_plan_create_even(
        opportunity_id=sale.pk, user=seller, count=2, first_due_on=timezone.localdate() - timedelta(days=5)
    )
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer, reference=f"OPP-{sale.pk}-1")])
    _approved_invoices(xero_connection)
    plan_invoicing.instalment_plan_invoicing_set(
        opportunity_id=sale.pk, user=seller, invoicing=InstalmentPlan.Invoicing.SCHEDULED, raise_days_before_due=60
    )

    before_sync = _raise_due(timezone.now())
    sync(xero_connection)
    after_sync = _raise_due(timezone.now())

    assert (before_sync.postponed, before_sync.refused, before_sync.invoiced) == (2, 0, 0)
    assert (after_sync.invoiced, after_sync.refused) == (1, 0)
    assert [invoice["Reference"] for invoice in _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")] == [
        f"OPP-{sale.pk}-1",
        f"OPP-{sale.pk}-2",
    ]
    assert sale.instalment_plan.instalments.get(position=1).matched_by == "auto"


def test_a_refusal_is_kept_on_the_instalment_and_not_retried_by_the_schedule(sale, seller, xero, xero_connection):
    """Another customer's invoice in Xero already carries the first instalment's reference (a typing slip): Capsync
    will not make a second one, says why on the plan, and the schedule leaves it until someone acts."""
    stranger = xero_contact(name="Corner Shop")
    slip = xero_invoice(contact=stranger, number="INV-SLIP", reference=f"OPP-{sale.pk}-1")
    load(xero, contacts=[stranger], invoices=[slip])
    sync(xero_connection)
    _scheduled(sale, seller, xero_connection, days=14)

    refused = _raise_due(timezone.now())
    again = _raise_due(timezone.now())

    first = sale.instalment_plan.instalments.get(position=1)
    assert (refused.refused, again.refused, again.invoiced) == (1, 0, 0)
    assert first.invoice is None
    assert first.raise_error == "Xero already has INV-SLIP with this instalment's reference: match it by hand."
    assert [invoice["InvoiceNumber"] for invoice in _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")] == [
        "INV-SLIP"
    ]


def test_xeros_refusal_is_shown_on_the_plan_and_saving_the_invoicing_again_asks_afresh(
    sale, seller, xero, xero_connection, seller_client
):
    XeroConnection.objects.filter(pk=xero_connection.pk).update(sales_account_code="999")  # not in the chart
    _scheduled(sale, seller, xero_connection, days=14)
    refused = _raise_due(timezone.now())
    page = seller_client.get(reverse("opportunities:instalments", args=[sale.pk])).text
    XeroConnection.objects.filter(pk=xero_connection.pk).update(sales_account_code="200")
    _scheduled(sale, seller, xero_connection, days=14)

    again = _raise_due(timezone.now())

    assert (refused.refused, again.invoiced) == (1, 1)
    assert "Xero refused its invoice:" in page
    assert "999" in page.split("Xero refused its invoice:")[1].split("</p>")[0]
    assert [invoice["Reference"] for invoice in _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")] == [
        f"OPP-{sale.pk}-1"
    ]


def test_raise_the_invoices_of_a_plan_raised_all_at_once(sale, seller, xero, xero_connection, seller_client):
    plan_invoicing.instalment_plan_invoicing_set(
        opportunity_id=sale.pk,
        user=seller,
        invoicing=InstalmentPlan.Invoicing.ON_DEMAND,
        organisation_id=xero_connection.organisation_id,
    )
    response = seller_client.post(reverse("xero:instalment_invoices_raise", args=[sale.pk]))
    seller_client.post(reverse("xero:instalment_invoices_raise", args=[sale.pk]))  # a second click: nothing more

    assert response.status_code == 302
    made = _sandbox_invoices(xero, xero_connection, f"OPP-{sale.pk}-")
    assert [(invoice["Reference"], invoice["DueDateString"][:10]) for invoice in made] == [
        (f"OPP-{sale.pk}-{i.position}", i.due_on.isoformat()) for i in sale.instalment_plan.instalments.all()
    ]
