"""The history's pages and HTMX partials, through HTTP as the browser uses them."""

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activity.context_processors import open_task_count
from activity.models import Note, Task
from tests.activity.conftest import note, task
from tests.factories import InvoiceFactory, OpportunityFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def triggers(response) -> set[str]:
    header = response.headers.get("HX-Trigger", "")
    return set(json.loads(header)) if header.startswith("{") else set(filter(None, header.split(",")))


def test_logging_a_call_with_htmx_saves_it_and_tells_the_page(member_client, member, customer):
    response = member_client.post(
        reverse("activity:contact_note_create", args=[customer.pk]),
        {"kind": "call", "body": "Asked for a quote"},
        headers=HTMX,
    )

    assert response.status_code == 204
    assert "history-changed" in triggers(response)
    stored = Note.objects.get()
    assert (stored.contact, stored.kind, stored.body, stored.author) == (customer, "call", "Asked for a quote", member)


def test_a_note_on_an_opportunity_belongs_to_its_contact_too(member_client, customer):
    deal = OpportunityFactory(contact=customer)

    member_client.post(
        reverse("activity:opportunity_note_create", args=[deal.pk]),
        {"kind": "meeting", "body": "Demo went well"},
        headers=HTMX,
    )

    stored = Note.objects.get()
    assert (stored.contact, stored.opportunity) == (customer, deal)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "call", "body": ""}, "Write something: an empty note can&#x27;t be saved."),
        ({"kind": "call", "body": "   "}, "Write something: an empty note can&#x27;t be saved."),
        ({"kind": "fax", "body": "Hello"}, "Choose note, call, meeting or email."),
        ({"kind": "call", "body": "Hi", "happened_at": "yesterday"}, "Enter the date and time it happened"),
        ({"kind": "call", "body": "Hi", "happened_at": "2099-01-01T10:00"}, "can&#x27;t be in the future"),
    ],
)
def test_a_bad_note_comes_back_on_its_form_with_what_was_typed_and_saves_nothing(
    member_client, customer, data, message
):
    response = member_client.post(reverse("activity:contact_note_create", args=[customer.pk]), data, headers=HTMX)

    assert response.status_code == 200
    assert message in response.text
    assert "history-changed" not in triggers(response)
    if data["body"].strip():
        assert data["body"] in response.text
    assert not Note.objects.exists()


def test_without_javascript_a_bad_note_shows_the_history_page_with_the_error(member_client, customer):
    response = member_client.post(
        reverse("activity:contact_note_create", args=[customer.pk]), {"kind": "call", "body": ""}
    )

    assert response.status_code == 200
    assert "an empty note can&#x27;t be saved" in response.text
    assert "<html" in response.text
    assert not Note.objects.exists()


def test_without_javascript_a_saved_note_goes_back_to_the_contact(member_client, customer):
    response = member_client.post(
        reverse("activity:contact_note_create", args=[customer.pk]), {"kind": "note", "body": "Plain form"}
    )

    assert response.status_code == 302
    assert response.url == reverse("contacts:detail", args=[customer.pk])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "due_on": "2026-03-20"}, "Say what needs doing: a task needs a title."),
        ({"title": "Call", "due_on": ""}, "Give the task a due date."),
        ({"title": "Call", "due_on": "next week"}, "Enter the due date as a date"),
        ({"title": "Call", "due_on": "3026-03-20"}, "years away"),
        ({"title": "Call", "due_on": "2026-03-20", "owner": "999999"}, "Choose someone in your teams"),
    ],
)
def test_a_bad_task_comes_back_on_its_form_and_saves_nothing(member_client, member, customer, data, message):
    data.setdefault("owner", str(member.pk))

    response = member_client.post(reverse("activity:contact_task_create", args=[customer.pk]), data, headers=HTMX)

    assert response.status_code == 200
    assert message in response.text
    assert not Task.objects.exists()


def test_a_task_cannot_be_given_to_someone_outside_the_users_teams(member_client, customer, team_b):
    outsider = UserFactory(teams=[team_b])

    response = member_client.post(
        reverse("activity:contact_task_create", args=[customer.pk]),
        {"title": "Call", "due_on": "2026-03-20", "owner": outsider.pk},
        headers=HTMX,
    )

    assert "Choose someone in your teams" in response.text
    assert not Task.objects.exists()


def test_a_task_on_a_contact_is_stored_for_its_owner(member_client, member, customer, team_a):
    colleague = UserFactory(teams=[team_a], first_name="Kim")
    today = timezone.localdate()

    response = member_client.post(
        reverse("activity:contact_task_create", args=[customer.pk]),
        {"title": "Send samples", "due_on": today.isoformat(), "owner": colleague.pk},
        headers=HTMX,
    )

    assert "history-changed" in triggers(response)
    stored = Task.objects.get()
    assert (stored.title, stored.owner, stored.created_by, stored.contact, stored.due_on) == (
        "Send samples",
        colleague,
        member,
        customer,
        today,
    )


def test_a_note_is_edited_in_place(member_client, customer):
    written = note(customer, body="Old words")
    prefix = f"note-{written.pk}"

    form = member_client.get(reverse("activity:note_edit", args=[written.pk]), headers=HTMX)
    saved = member_client.post(
        reverse("activity:note_edit", args=[written.pk]),
        {f"{prefix}-kind": "email", f"{prefix}-body": "New words"},
        headers=HTMX,
    )

    assert f'id="note-{written.pk}"' in form.text
    assert "Old words" in form.text
    assert f'id="note-{written.pk}"' in saved.text
    assert "New words" in saved.text
    assert "edited" in saved.text
    assert "note-changed" in triggers(saved)
    written.refresh_from_db()
    assert (written.kind, written.body) == ("email", "New words")


def test_a_bad_edit_keeps_the_form_and_the_note(member_client, customer):
    written = note(customer, body="Old words")
    prefix = f"note-{written.pk}"

    response = member_client.post(
        reverse("activity:note_edit", args=[written.pk]), {f"{prefix}-kind": "note", f"{prefix}-body": ""}, headers=HTMX
    )

    assert "an empty note can&#x27;t be saved" in response.text
    written.refresh_from_db()
    assert written.body == "Old words"


def test_a_note_is_deleted_in_place(member_client, customer):
    written = note(customer)

    response = member_client.post(reverse("activity:note_delete", args=[written.pk]), headers=HTMX)

    assert (response.status_code, response.text) == (200, "")
    assert "note-changed" in triggers(response)
    assert not Note.objects.exists()


def test_completing_a_task_swaps_its_row_and_can_be_undone(member_client, member, customer):
    follow_up = task(member, contact=customer, title="Ring back")
    url = reverse("activity:task_complete", args=[follow_up.pk])

    done = member_client.post(url, headers=HTMX)
    undone = member_client.post(url, {"undo": "1"}, headers=HTMX)

    assert 'class="task-row done"' in done.text
    assert "Reopen Ring back" in done.text
    assert "task-changed" in triggers(done)
    assert "Complete Ring back" in undone.text
    follow_up.refresh_from_db()
    assert follow_up.completed_at is None


def test_completing_without_javascript_goes_back_only_to_a_local_page(member_client, member, customer):
    follow_up, other = task(member, contact=customer), task(member, contact=customer)

    local = member_client.post(reverse("activity:task_complete", args=[follow_up.pk]), {"back": "/contacts/"})
    foreign = member_client.post(reverse("activity:task_complete", args=[other.pk]), {"back": "https://evil.example/"})

    assert local.url == "/contacts/"
    assert foreign.url == reverse("activity:my_tasks")


def test_my_tasks_groups_overdue_today_and_upcoming_and_leaves_out_others_tasks(member_client, member, customer):
    today = timezone.localdate()
    task(member, title="Late one", due_on=today - timedelta(days=2))
    task(member, title="Today's", due_on=today)
    task(member, title="Next week", due_on=today + timedelta(days=7))
    task(member, title="Finished", due_on=today, completed_at=timezone.now())
    task(UserFactory(teams=list(member.teams.all())), title="A colleague's", due_on=today)

    page = member_client.get(reverse("activity:my_tasks"))

    text = page.text
    overdue, today_section, upcoming = (
        text.index('id="tasks-overdue"'),
        text.index('id="tasks-today"'),
        text.index('id="tasks-upcoming"'),
    )
    assert overdue < text.index("Late one") < today_section < text.index("Today&#x27;s") < upcoming
    assert upcoming < text.index("Next week") < text.index('id="tasks-done"') < text.index("Finished")
    assert "A colleague&#x27;s" not in text


def test_the_sidebar_counts_open_tasks_due_by_today(member_client, member, customer):
    today = timezone.localdate()
    task(member, due_on=today - timedelta(days=1))
    task(member, due_on=today)
    task(member, due_on=today + timedelta(days=1))
    task(member, due_on=today, completed_at=timezone.now())

    page = member_client.get(reverse("contacts:list"))

    assert '<span class="chip due" aria-label="2 due">2</span>' in page.text


def test_a_task_from_my_tasks_is_the_users_own(member_client, member):
    response = member_client.post(
        reverse("activity:my_task_create"),
        {"title": "Expenses", "due_on": timezone.localdate().isoformat(), "owner": member.pk},
    )

    assert response.url == reverse("activity:my_tasks")
    assert Task.objects.get().owner == member


def test_the_contact_page_loads_its_history_and_reloads_it_after_a_write(member_client, customer):
    page = member_client.get(reverse("contacts:detail", args=[customer.pk]))

    assert f'hx-get="{reverse("activity:contact_history", args=[customer.pk])}"' in page.text
    assert "load, history-changed from:body" in page.text


def test_the_history_pages_in_as_you_scroll(member_client, customer):
    for n in range(30):
        note(customer, body=f"Note {n}")

    first = member_client.get(reverse("activity:contact_history", args=[customer.pk]), headers=HTMX)
    second = member_client.get(reverse("activity:contact_history", args=[customer.pk]) + "?page=2", headers=HTMX)

    assert 'hx-trigger="revealed"' in first.text
    assert "page=2" in first.text
    assert "revealed" not in second.text
    assert "Log a call" not in second.text
    assert first.text.count('class="event note') + second.text.count('class="event note') == 30


@pytest.mark.parametrize("records", [0, 80])
def test_the_contact_page_and_its_partials_stay_within_15_queries(
    member_client, member, uk_org, customer, records, django_assert_max_num_queries
):
    for n in range(records):
        note(customer, author=member)
        task(member, contact=customer)
        invoice = InvoiceFactory(
            connection=uk_org,
            contact=customer,
            status="PAID",
            fully_paid_on=date(2026, 4, 1),
            due_on=date(2026, 3, 1) + timedelta(days=n % 60),
            currency_code=["GBP", "EUR"][n % 2],
        )
        PaymentFactory(invoice=invoice, amount=invoice.total, paid_on=date(2026, 4, 1))
    urls = [
        reverse("contacts:detail", args=[customer.pk]),
        reverse("activity:contact_history", args=[customer.pk]),
        reverse("invoices:contact", args=[customer.pk]),
    ]

    for url in urls:
        with django_assert_max_num_queries(15):
            response = member_client.get(url, headers=HTMX if url != urls[0] else {})
        assert response.status_code == 200


def test_the_task_form_offers_today_as_a_date_the_browser_reads(member_client, customer):
    response = member_client.get(reverse("activity:contact_history", args=[customer.pk]), headers=HTMX)

    assert f'type="date" name="due_on" value="{timezone.localdate().isoformat()}"' in response.text


def test_a_bad_task_on_my_tasks_comes_back_with_what_was_typed(member_client, member):
    response = member_client.post(
        reverse("activity:my_task_create"), {"title": "Expenses", "due_on": "1999-01-01", "owner": member.pk}
    )

    assert response.status_code == 200
    assert "more than a year ago: check the year" in response.text
    assert 'value="Expenses"' in response.text
    assert not Task.objects.exists()


def test_the_task_count_is_read_for_pages_not_for_htmx_partials(rf, member):
    task(member, due_on=timezone.localdate())
    page, partial = rf.get("/"), rf.get("/", headers=HTMX)
    page.user = partial.user = member

    counts = open_task_count(page), open_task_count(partial)

    assert counts == ({"tasks_due": 1}, {})


def test_the_opportunity_page_loads_its_own_history(member_client, customer):
    deal = OpportunityFactory(contact=customer)
    note(customer, opportunity=deal, body="Demo booked")

    page = member_client.get(reverse("opportunities:detail", args=[deal.pk]))
    history = member_client.get(reverse("activity:opportunity_history", args=[deal.pk]), headers=HTMX)

    assert f'hx-get="{reverse("activity:opportunity_history", args=[deal.pk])}"' in page.text
    assert "Demo booked" in history.text
    assert reverse("activity:opportunity_note_create", args=[deal.pk]) in history.text
