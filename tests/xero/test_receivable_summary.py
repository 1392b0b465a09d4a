"""The receivables summary (invoices.ReceivableSummary, kept by PostgreSQL's triggers) stays what the invoices
say through everything that changes what is owed: the sync's COPY upserts, webhook syncs, payments, voids and
deletes at Xero, a contact moved to another team, invoices detached from and attached to a contact."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from contacts.models import Contact
from integrations.xero.models import SyncRun
from invoices import receivables
from invoices.models import Invoice, ReceivableSummary
from invoices.overdue import outstanding_filter
from invoices.services import invoices_link_contact, invoices_link_contacts
from tests.factories import UserFactory
from tests.xero.sync_data import load, sync
from tests.xero.webhook_data import delivery, event, post
from tests.xero_records import xero_contact, xero_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_key")]

TODAY = timezone.now().date()


def kept() -> dict:
    return {
        (row.organisation_id, row.team_id, row.currency_code, row.due_on): (row.amount_due, row.invoice_count)
        for row in ReceivableSummary.objects.all()
    }


def recomputed() -> dict:
    groups = (
        Invoice.objects.filter(outstanding_filter(), contact__isnull=False)
        .values("organisation_id", "contact__team_id", "currency_code", "due_on")
        .annotate(amount=Sum("amount_due"), count=Count("pk"))
    )
    return {
        (row["organisation_id"], row["contact__team_id"], row["currency_code"], row["due_on"]): (
            row["amount"],
            row["count"],
        )
        for row in groups
    }


def assert_summary_true(*users) -> None:
    """The summary holds exactly the invoices' sums, and the dashboard's figures from it are those read from the
    invoices, for each user (their teams decide what they see)."""
    assert kept() == recomputed()
    now = timezone.now()
    for user in users:
        assert receivables.receivables(user=user, now=now, use_summary=True) == receivables.receivables(
            user=user, now=now, use_summary=False
        )


@pytest.fixture
def customers(xero):
    """Two customers: one owing GBP (one invoice part paid, one overdue), one owing USD at a rate, plus a bill and
    a draft that owe the CRM nothing."""
    bakery, diner = xero_contact(name="Bluebell Bakery"), xero_contact(name="Quayside Diner")
    invoices = {
        "gbp_part_paid": xero_invoice(contact=bakery, total="300.00", amount_due="100.00", due=TODAY + timedelta(10)),
        "gbp_overdue": xero_invoice(contact=bakery, total="80.00", due=TODAY - timedelta(40)),
        "usd": xero_invoice(contact=diner, total="250.00", currency="USD", CurrencyRate=1.25, due=TODAY),
        "bill": xero_invoice(contact=diner, total="999.00", type_="ACCPAY"),
        "draft": xero_invoice(contact=diner, total="55.00", status="DRAFT"),
    }
    load(xero, contacts=[bakery, diner], invoices=invoices.values())
    return bakery, diner, invoices


def test_the_summary_follows_syncs_payments_voids_deletes_and_team_moves(
    xero_connection, xero, customers, team_b, client, tasks_run_inline, admin_user
):
    bakery, _, invoices = customers
    admin = admin_user
    member = UserFactory(teams=[xero_connection.default_team])

    assert sync(xero_connection).outcome == SyncRun.Outcome.SUCCEEDED
    assert_summary_true(admin, member)
    assert sum(count for _, count in kept().values()) == 3  # the bill and the draft owe nothing

    # At Xero: the overdue invoice is paid in full, the USD one voided, the draft deleted, a new one raised.
    later = datetime.now(UTC) + timedelta(seconds=1)
    load(
        xero,
        invoices=[
            {**invoices["gbp_overdue"], "Status": "PAID", "AmountDue": 0.0, "AmountPaid": 80.0},
            {**invoices["usd"], "Status": "VOIDED", "AmountDue": 0.0},
            {**invoices["draft"], "Status": "DELETED"},
            xero_invoice(contact=bakery, total="40.00", due=TODAY + timedelta(5), updated=later),
        ],
    )
    assert sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL).outcome == SyncRun.Outcome.SUCCEEDED
    assert_summary_true(admin, member)
    assert sum(count for _, count in kept().values()) == 2

    # A part payment announced by a webhook.
    part_paid = {**invoices["gbp_part_paid"], "AmountDue": 60.0, "AmountPaid": 240.0}
    load(xero, invoices=[part_paid])
    response = tasks_run_inline(lambda: post(client, delivery(event(xero.uk_tenant_id, part_paid["InvoiceID"]))))
    assert response.status_code == 200
    assert SyncRun.objects.filter(kind=SyncRun.Kind.WEBHOOK).get().outcome == SyncRun.Outcome.SUCCEEDED
    assert_summary_true(admin, member)
    assert Invoice.objects.get(xero_id=part_paid["InvoiceID"]).amount_due == 60

    # The bakery moves to another team: the member no longer sees what it owes, the summary moves with it.
    bakery_contact = Contact.objects.get(name="Bluebell Bakery")
    bakery_contact.team = team_b
    bakery_contact.save()
    assert_summary_true(admin, member)
    assert receivables.receivables(user=member, now=timezone.now()).by_currency == ()
    assert {team for _, team, _, _ in kept()} == {team_b.pk}

    # Its invoices are detached from the CRM contact (as unlinking it does): they owe the CRM nothing.
    invoices_link_contact(
        organisation_id=xero_connection.organisation_id, xero_contact_id=bakery["ContactID"], contact_id=None
    )
    assert_summary_true(admin, member)
    assert kept() == {}

    # Attached again, set-based, as the sync's relinking pass does.
    invoices_link_contacts(
        organisation_id=xero_connection.organisation_id,
        contact_ids_by_xero_id={bakery["ContactID"]: bakery_contact.pk},
    )
    assert_summary_true(admin, member)
    assert sum(count for _, count in kept().values()) == 2


def test_an_upsert_that_changes_nothing_owed_leaves_the_summary_as_it_was(xero_connection, xero, customers):
    sync(xero_connection)
    before = kept()

    assert sync(xero_connection).outcome == SyncRun.Outcome.SUCCEEDED  # a full reconcile rewrites every row

    assert kept() == before == recomputed()


def test_documents_without_a_due_date_are_summed_under_one_key(xero_connection, xero):
    customer = xero_contact(name="Harbour Lights Hotel")
    undated = [xero_invoice(contact=customer, total=total) for total in ("10.00", "15.00")]
    for invoice in undated:
        del invoice["DueDate"]  # Xero leaves out a date it does not have
    load(xero, contacts=[customer], invoices=undated)

    sync(xero_connection)

    assert [(amount, count) for (_, _, _, due_on), (amount, count) in kept().items() if due_on is None] == [(25, 2)]
    assert kept() == recomputed()
