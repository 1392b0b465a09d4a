"""The timelines: notes, tasks and money interleaved by date, filtered, paged, and only for who may see them."""

from datetime import UTC, date, datetime, timedelta

import pytest

from activity.history import PAGE_SIZE, Show, contact_history, opportunity_history
from contacts.models import Contact
from opportunities.models import Opportunity
from tests.activity.conftest import note, task
from tests.factories import InvoiceFactory, OpportunityFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _history(user, contact, show=Show.ALL, page=1):
    return contact_history(user=user, contact_id=contact.pk, show=show, page=page, now=NOW)


def test_notes_tasks_and_money_are_interleaved_newest_first(member, uk_org, customer):
    InvoiceFactory(
        connection=uk_org, contact=customer, number="INV-1", issued_on=date(2026, 3, 1), due_on=date(2026, 6, 1)
    )
    call = note(customer, at=datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
    follow_up = task(member, contact=customer, due_on=date(2026, 3, 20))
    older = note(customer, at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC), kind="meeting")

    items = _history(member, customer).items

    assert [(item.kind, item.id) for item in items] == [
        ("task", follow_up.pk),
        ("note", call.pk),
        ("invoice_issued", items[2].id),
        ("note", older.pk),
    ]
    assert items[1].note == call
    assert items[0].task == follow_up


def test_a_completed_task_sits_on_the_day_it_was_done(member, customer):
    done = task(member, contact=customer, due_on=date(2026, 3, 20), completed_at=datetime(2026, 3, 25, tzinfo=UTC))

    (item,) = _history(member, customer).items

    assert (item.task, item.on) == (done, date(2026, 3, 25))


def test_the_filters_show_notes_and_tasks_or_only_money(member, uk_org, customer):
    InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 6, 1))
    note(customer)
    task(member, contact=customer)

    notes = {item.kind for item in _history(member, customer, Show.NOTES).items}
    money = {item.kind for item in _history(member, customer, Show.MONEY).items}

    assert (notes, money) == ({"note", "task"}, {"invoice_issued"})


def test_unknown_filters_show_everything():
    assert (Show.parse("nonsense"), Show.parse(None), Show.parse("money")) == (Show.ALL, Show.ALL, Show.MONEY)


def test_the_history_pages_in_order_without_repeats(member, customer):
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    written = [note(customer, body=f"Note {n}", at=start + timedelta(hours=n)) for n in range(PAGE_SIZE + 5)]

    first, second = _history(member, customer), _history(member, customer, page=2)

    assert (first.next_page, second.next_page) == (2, None)
    assert [item.id for item in first.items + second.items] == [n.pk for n in reversed(written)]


def test_an_organisations_history_includes_its_peoples_notes_but_a_person_sees_only_their_own(member, customer):
    person = PersonFactory(team=customer.team, organisation=customer)
    about_person = note(person, body="Spoke to Pat")
    about_company = note(customer, body="Board meeting")

    organisation_notes = [item.note for item in _history(member, customer).items]
    person_notes = [item.note for item in _history(member, person).items]

    assert set(organisation_notes) == {about_person, about_company}
    assert person_notes == [about_person]


def test_another_teams_contact_has_no_history_for_this_user(team_b, customer):
    outsider = UserFactory(teams=[team_b])

    with pytest.raises(Contact.DoesNotExist):
        _history(outsider, customer)


def test_another_teams_opportunity_has_no_history_for_this_user(team_b, customer):
    outsider = UserFactory(teams=[team_b])
    opportunity = OpportunityFactory(contact=customer)

    with pytest.raises(Opportunity.DoesNotExist):
        opportunity_history(user=outsider, opportunity_id=opportunity.pk, show=Show.ALL, page=1, now=NOW)


def test_the_opportunitys_history_has_its_own_notes_and_tasks_only(member, customer):
    deal = OpportunityFactory(contact=customer)
    on_deal = note(customer, opportunity=deal)
    note(customer, body="General")
    deal_task = task(member, opportunity=deal)

    page = opportunity_history(user=member, opportunity_id=deal.pk, show=Show.ALL, page=1, now=NOW)

    assert {(item.kind, item.id) for item in page.items} == {("note", on_deal.pk), ("task", deal_task.pk)}


@pytest.mark.parametrize("records", [0, 60])
def test_a_history_page_costs_the_same_queries_whatever_its_length(
    member, uk_org, customer, records, django_assert_max_num_queries
):
    for n in range(records):
        note(customer, at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n))
        task(member, contact=customer)
        InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 1, 1) + timedelta(days=n))

    with django_assert_max_num_queries(5):
        page = _history(member, customer)

    assert len(page.items) == min(PAGE_SIZE, records * 4)


def test_other_contacts_records_stay_out(member, uk_org, customer, team_a):
    other = OrganisationFactory(team=team_a)
    note(other)
    task(member, contact=other)
    InvoiceFactory(connection=uk_org, contact=other)

    assert _history(member, customer).items == []
