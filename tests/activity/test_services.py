"""Notes, tasks and chase tasks: what is stored, and that refused input stores nothing."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from activity import services
from activity.models import Note, Task
from invoices.models import Invoice
from notifications import services as notification_services
from tests.activity.conftest import note, task
from tests.factories import InvoiceFactory, UserFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)
TODAY = date(2026, 3, 14)


def test_a_logged_call_keeps_its_author_time_and_opportunity(member, customer):
    made = services.note_create(
        contact_id=customer.pk,
        author_id=member.pk,
        kind="call",
        body="  Agreed a trial. ",
        happened_at=NOW - timedelta(hours=2),
        now=NOW,
    )

    stored = Note.objects.get()
    assert stored == made
    assert (stored.kind, stored.body, stored.author, stored.happened_at, stored.created_at) == (
        "call",
        "Agreed a trial.",
        member,
        NOW - timedelta(hours=2),
        NOW,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "   "}, "Write something"),
        ({"body": "x" * (services.NOTE_MAX_LENGTH + 1)}, "under 20,000 characters"),
        ({"kind": "fax"}, "Choose what this is"),
        ({"happened_at": NOW + timedelta(hours=1)}, "can't be in the future"),
    ],
)
def test_a_refused_note_says_why_and_stores_nothing(member, customer, fields, message):
    arguments = {"kind": "call", "body": "Fine", "happened_at": NOW, **fields}

    with pytest.raises(services.NoteInvalid, match=message):
        services.note_create(contact_id=customer.pk, author_id=member.pk, now=NOW, **arguments)

    assert not Note.objects.exists()


def test_a_refused_edit_leaves_the_note_as_it_was(customer):
    written = note(customer, body="Original")

    with pytest.raises(services.NoteInvalid):
        services.note_update(note_id=written.pk, kind="note", body="", happened_at=NOW, now=NOW)

    written.refresh_from_db()
    assert (written.body, written.kind, written.updated_at) == ("Original", "call", written.created_at)


def test_an_edit_changes_the_text_and_keeps_the_author(member, customer):
    written = note(customer, author=member)

    services.note_update(note_id=written.pk, kind="meeting", body="Met at the trade show", happened_at=NOW, now=NOW)

    written.refresh_from_db()
    assert (written.kind, written.body, written.author, written.updated_at) == (
        "meeting",
        "Met at the trade show",
        member,
        NOW,
    )


def test_deleting_a_note_twice_says_it_is_gone(customer):
    written = note(customer)
    services.note_delete(note_id=written.pk)

    with pytest.raises(Note.DoesNotExist):
        services.note_delete(note_id=written.pk)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "needs a title"),
        ({"title": "x" * 201}, "under 200 characters"),
        ({"due_on": date(2025, 3, 1)}, "more than a year ago"),
        ({"due_on": date(2036, 4, 1)}, "more than 10 years away"),
    ],
)
def test_a_refused_task_says_why_and_stores_nothing(member, customer, fields, message):
    arguments = {"title": "Call back", "due_on": TODAY, **fields}

    with pytest.raises(services.TaskInvalid, match=message):
        services.task_create(
            owner_id=member.pk, created_by_id=member.pk, now=NOW, today=TODAY, contact_id=customer.pk, **arguments
        )

    assert not Task.objects.exists()


def test_completing_twice_keeps_the_first_completion(member, customer):
    follow_up = task(member, contact=customer)
    other = UserFactory()

    services.task_complete(task_id=follow_up.pk, user_id=member.pk, now=NOW)
    again = services.task_complete(task_id=follow_up.pk, user_id=other.pk, now=NOW + timedelta(hours=1))

    assert (again.completed_at, again.completed_by) == (NOW, member)


def test_a_reopened_task_is_open_again(member, customer):
    follow_up = task(member, contact=customer, completed_at=NOW)

    reopened = services.task_reopen(task_id=follow_up.pk)

    assert (reopened.completed_at, reopened.is_done) == (None, False)


# Chase tasks: made by the overdue job, once, and completed by it once the sync has seen the invoice settled.

# 00:01 UTC on 1 April is the first overdue day in London of an invoice due 31 March.
FIRST_OVERDUE_DAY = datetime(2026, 4, 1, 0, 1, tzinfo=UTC)


@pytest.fixture
def overdue_invoice(uk_org, member):
    return InvoiceFactory(
        connection=uk_org,
        contact__team=member.teams.first(),
        contact__owner=member,
        number="INV-0042",
        due_on=date(2026, 3, 31),
    )


def test_the_first_overdue_day_gives_the_owner_a_chase_task_once(overdue_invoice, member):
    notification_services.overdue_alerts_send(now=FIRST_OVERDUE_DAY)
    notification_services.overdue_alerts_send(now=FIRST_OVERDUE_DAY + timedelta(hours=1))

    chase = Task.objects.get()
    assert (chase.title, chase.owner, chase.contact_id, chase.invoice, chase.due_on, chase.completed_at) == (
        "Chase INV-0042",
        member,
        overdue_invoice.contact_id,
        overdue_invoice,
        date(2026, 4, 1),
        None,
    )


def test_the_database_allows_one_chase_task_per_invoice(overdue_invoice, member):
    first = services.chase_task_create(invoice=overdue_invoice, owner_id=member.pk, due_on=TODAY, now=NOW)

    second = services.chase_task_create(invoice=overdue_invoice, owner_id=member.pk, due_on=TODAY, now=NOW)

    assert (first.invoice, second, Task.objects.count()) == (overdue_invoice, None, 1)


def test_a_chase_task_completes_itself_once_the_invoice_is_paid(overdue_invoice, member):
    notification_services.overdue_alerts_send(now=FIRST_OVERDUE_DAY)
    still_due = notification_services.overdue_alerts_send(now=FIRST_OVERDUE_DAY + timedelta(hours=1))
    open_while_due = Task.objects.get().completed_at
    overdue_invoice.status, overdue_invoice.amount_due = "PAID", Decimal("0.00")
    overdue_invoice.save()

    notification_services.overdue_alerts_send(now=FIRST_OVERDUE_DAY + timedelta(hours=2))

    assert (still_due, open_while_due) == (0, None)
    assert Task.objects.get().completed_at == FIRST_OVERDUE_DAY + timedelta(hours=2)


def test_settling_invoices_completes_only_their_chase_tasks(overdue_invoice, member, customer, uk_org):
    unpaid = InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 3, 1))
    chase_paid = services.chase_task_create(invoice=overdue_invoice, owner_id=member.pk, due_on=TODAY, now=NOW)
    chase_unpaid = services.chase_task_create(invoice=unpaid, owner_id=member.pk, due_on=TODAY, now=NOW)
    plain = task(member, contact=customer)
    overdue_invoice.status, overdue_invoice.amount_due = "PAID", Decimal("0.00")
    overdue_invoice.save()

    completed = services.chase_tasks_complete_settled(now=NOW)

    states = {t.pk: t.completed_at for t in Task.objects.all()}
    assert completed == 1
    assert states == {chase_paid.pk: NOW, chase_unpaid.pk: None, plain.pk: None}


def test_the_sync_that_sees_the_invoice_paid_completes_its_chase_task(xero_connection, xero, member):
    customer = xero_contact(name="Bluebell Bakery")
    invoice = xero_invoice(contact=customer, number="INV-0042", due=date(2026, 3, 31))
    load(xero, contacts=[customer], invoices=[invoice])
    sync(xero_connection)
    chase = services.chase_task_create(
        invoice=Invoice.objects.get(number="INV-0042"), owner_id=member.pk, due_on=date(2026, 4, 1), now=NOW
    )
    xero.sandbox.clock_advance(60)
    load(xero, invoices=[{**invoice, "Status": "PAID", "AmountDue": 0.0, "AmountPaid": 120.0}])

    paid = sync(xero_connection)

    chase.refresh_from_db()
    assert chase.completed_at is not None
    assert paid.counts["chase_tasks_completed"] == 1
