from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contacts.models import Contact
from invoices import receivables, selectors
from tests.factories import InvoiceFactory, OrganisationFactory, PaymentFactory, UserFactory

# 2026-03-20 12:00 UTC: 12:00 in London, 2026-03-21 01:00 in Auckland.
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def customer(team_a):
    return OrganisationFactory(name="Acme Ltd", team=team_a)


def _summary(user, contact, *, now=NOW, include_hidden=False):
    return selectors.invoice_summary(user=user, contact_id=contact.pk, now=now, include_hidden=include_hidden)


def _only(summary):
    [connection] = summary.organisations
    return connection


# Visibility


@pytest.mark.django_db
def test_another_teams_contact_is_not_found(member, team_b, uk_org):
    stranger = OrganisationFactory(team=team_b)
    InvoiceFactory(connection=uk_org, contact=stranger)

    with pytest.raises(Contact.DoesNotExist):
        _summary(member, stranger)


@pytest.mark.django_db
def test_an_admin_sees_any_teams_contact(admin_user, team_b, uk_org):
    stranger = OrganisationFactory(team=team_b)
    InvoiceFactory(connection=uk_org, contact=stranger)

    summary = _summary(admin_user, stranger)

    assert _only(summary).outstanding == {"GBP": Decimal("100.00")}


@pytest.mark.django_db
def test_a_contact_without_invoices_has_no_organisations(member, customer, uk_org):
    summary = _summary(member, customer)

    assert (summary.organisations, summary.has_invoices) == ((), False)


# Totals


@pytest.mark.django_db
def test_outstanding_sums_the_amount_due_of_authorised_sales_invoices(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("100.00"))
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("50.00"), amount_paid=Decimal("20.00"))

    summary = _summary(member, customer)

    assert _only(summary).outstanding == {"GBP": Decimal("130.00")}


@pytest.mark.django_db
def test_totals_are_kept_per_currency_never_mixed(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("100.00"), currency_code="GBP")
    InvoiceFactory(
        connection=uk_org, contact=customer, total=Decimal("70.00"), currency_code="USD", currency_rate=Decimal("1.3")
    )

    summary = _summary(member, customer)

    assert _only(summary).outstanding == {"GBP": Decimal("100.00"), "USD": Decimal("70.00")}


@pytest.mark.parametrize("status", ["VOIDED", "DELETED", "DRAFT", "SUBMITTED"])
@pytest.mark.django_db
def test_invoices_that_are_not_authorised_never_count(member, customer, uk_org, status):
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("10.00"))
    InvoiceFactory(connection=uk_org, contact=customer, status=status, total=Decimal("500.00"), due_on=date(2026, 1, 1))

    connection = _only(_summary(member, customer))

    assert (connection.outstanding, connection.overdue, connection.outstanding_in_base) == (
        {"GBP": Decimal("10.00")},
        {},
        Decimal("10.00"),
    )


@pytest.mark.django_db
def test_an_allocated_credit_note_reduces_what_is_outstanding(member, customer, uk_org):
    # Xero lowers the invoice's AmountDue by the credit applied to it, and marks a fully used credit note PAID.
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("100.00"), amount_credited=Decimal("40.00"))
    InvoiceFactory(
        connection=uk_org,
        contact=customer,
        kind="credit_note",
        type="ACCRECCREDIT",
        status="PAID",
        total=Decimal("40.00"),
        amount_due=Decimal("0.00"),
        remaining_credit=Decimal("0.00"),
    )

    connection = _only(_summary(member, customer))

    assert (connection.outstanding, connection.credit_available) == ({"GBP": Decimal("60.00")}, {})


@pytest.mark.django_db
def test_unallocated_credit_shows_as_credit_available(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("100.00"))
    InvoiceFactory(
        connection=uk_org,
        contact=customer,
        kind="credit_note",
        type="ACCRECCREDIT",
        total=Decimal("25.00"),
        amount_due=Decimal("0.00"),
        remaining_credit=Decimal("25.00"),
    )

    connection = _only(_summary(member, customer))

    assert (connection.outstanding, connection.credit_available) == (
        {"GBP": Decimal("100.00")},
        {"GBP": Decimal("25.00")},
    )
    assert connection.credit_available_in_base == Decimal("25.00")


@pytest.mark.django_db
def test_bills_never_count_in_a_customers_totals(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, type="ACCPAY", total=Decimal("900.00"), due_on=date(2026, 1, 1))

    connection = _only(_summary(member, customer, include_hidden=True))

    assert (connection.outstanding, connection.overdue, connection.oldest_days_overdue) == ({}, {}, 0)


@pytest.mark.django_db
def test_foreign_currency_is_converted_to_base_with_each_invoices_rate(member, customer, uk_org):
    # CurrencyRate is units of the invoice currency per 1 GBP: USD 117.00 at 1.17 is GBP 100.00.
    InvoiceFactory(
        connection=uk_org, contact=customer, currency_code="USD", currency_rate=Decimal("1.17"), total=Decimal("117.00")
    )
    InvoiceFactory(
        connection=uk_org, contact=customer, currency_code="USD", currency_rate=Decimal("1.25"), total=Decimal("50.00")
    )
    InvoiceFactory(connection=uk_org, contact=customer, currency_code="GBP", total=Decimal("10.00"))

    connection = _only(_summary(member, customer))

    assert connection.outstanding == {"GBP": Decimal("10.00"), "USD": Decimal("167.00")}
    assert connection.outstanding_in_base == Decimal("150.00")


@pytest.mark.django_db
def test_base_currency_total_is_rounded_once_at_the_end(member, customer, uk_org):
    # 10.00 / 3 three times is 9.99 when each is rounded, 10.00 when the sum is.
    for _ in range(3):
        InvoiceFactory(
            connection=uk_org, contact=customer, currency_code="EUR", currency_rate=Decimal(3), total=Decimal("10.00")
        )

    connection = _only(_summary(member, customer))

    assert connection.outstanding_in_base == Decimal("10.00")


@pytest.mark.django_db
def test_base_currency_total_is_unknown_when_a_foreign_invoice_has_no_rate(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, currency_code="EUR", currency_rate=None)

    connection = _only(_summary(member, customer))

    assert (connection.outstanding, connection.outstanding_in_base) == ({"EUR": Decimal("100.00")}, None)


@pytest.mark.django_db
def test_each_organisation_is_summarised_apart_with_its_own_label(member, customer, uk_org, nz_org):
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("10.00"), currency_code="GBP")
    InvoiceFactory(connection=nz_org, contact=customer, total=Decimal("20.00"), currency_code="NZD")

    summary = _summary(member, customer)

    assert [(c.name, c.label, c.short_code, c.outstanding) for c in summary.organisations] == [
        ("Demo NZ Ltd", "Demo NZ Ltd (NZD)", "!nz01", {"NZD": Decimal("20.00")}),
        ("Demo UK Ltd", "Demo UK Ltd (GBP)", "!uk01", {"GBP": Decimal("10.00")}),
    ]


@pytest.mark.django_db
def test_paid_last_12_months_sums_payments_in_the_year_to_today(member, customer, uk_org):
    invoice = InvoiceFactory(connection=uk_org, contact=customer, status="PAID", amount_paid=Decimal("100.00"))
    PaymentFactory(invoice=invoice, paid_on=date(2026, 3, 1), amount=Decimal("60.00"))
    PaymentFactory(invoice=invoice, paid_on=date(2025, 3, 21), amount=Decimal("30.00"))
    PaymentFactory(invoice=invoice, paid_on=date(2025, 3, 20), amount=Decimal("10.00"))  # a year ago: out
    PaymentFactory(invoice=invoice, paid_on=date(2026, 3, 5), amount=Decimal("5.00"), status="DELETED")

    connection = _only(_summary(member, customer))

    assert connection.paid_last_12_months == {"GBP": Decimal("90.00")}


# Overdue and dates


@pytest.mark.django_db
def test_overdue_and_oldest_days_count_only_invoices_past_due(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("10.00"), due_on=date(2026, 3, 10))
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("20.00"), due_on=date(2026, 3, 15))
    InvoiceFactory(connection=uk_org, contact=customer, total=Decimal("40.00"), due_on=date(2026, 3, 20))

    connection = _only(_summary(member, customer))

    assert (connection.overdue, connection.oldest_days_overdue) == ({"GBP": Decimal("30.00")}, 10)


@pytest.mark.django_db
def test_next_due_on_is_the_earliest_due_date_not_yet_passed(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 3, 10))
    InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 4, 30))
    InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 3, 25))
    InvoiceFactory(
        connection=uk_org, contact=customer, due_on=date(2026, 3, 21), status="PAID", amount_paid=Decimal(100)
    )

    connection = _only(_summary(member, customer))

    assert connection.next_due_on == date(2026, 3, 25)


@pytest.mark.parametrize(
    ("now", "days"),
    [
        (datetime(2026, 3, 31, 10, 59, tzinfo=UTC), 0),  # 23:59 on the due date in Auckland
        (datetime(2026, 3, 31, 11, 0, tzinfo=UTC), 1),  # 00:00 the next day in Auckland
    ],
)
@pytest.mark.django_db
def test_an_invoice_turns_overdue_at_midnight_in_the_organisations_timezone(member, customer, nz_org, now, days):
    InvoiceFactory(connection=nz_org, contact=customer, currency_code="NZD", due_on=date(2026, 3, 31))

    connection = _only(_summary(member, customer, now=now))

    assert (connection.oldest_days_overdue, connection.invoices[0].state.days_overdue) == (days, days)


@pytest.mark.django_db
def test_the_same_instant_is_a_different_day_in_each_organisation(member, customer, uk_org, nz_org):
    # At 2026-03-31 11:00 UTC it is still the 31st in London but already 1 April in Auckland.
    now = datetime(2026, 3, 31, 11, 0, tzinfo=UTC)
    InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 3, 31))
    InvoiceFactory(connection=nz_org, contact=customer, currency_code="NZD", due_on=date(2026, 3, 31))

    summary = _summary(member, customer, now=now)

    assert [(c.name, c.today, c.overdue) for c in summary.organisations] == [
        ("Demo NZ Ltd", date(2026, 4, 1), {"NZD": Decimal("100.00")}),
        ("Demo UK Ltd", date(2026, 3, 31), {}),
    ]


@pytest.mark.django_db
def test_an_organisation_without_a_timezone_uses_utc(member, customer, uk_org):
    uk_org.organisation.timezone = ""
    uk_org.organisation.save()
    InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 6, 30))

    connection = _only(_summary(member, customer, now=datetime(2026, 6, 30, 23, 30, tzinfo=UTC)))

    assert (connection.today, connection.oldest_days_overdue) == (date(2026, 6, 30), 0)


# Rows


@pytest.mark.django_db
def test_a_part_paid_invoice_shows_a_part_paid_chip(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, amount_paid=Decimal("40.00"), due_on=date(2026, 3, 17))

    [row] = _only(_summary(member, customer)).invoices

    assert (row.amount_due, row.state.label) == (Decimal("60.00"), "Part-paid · Overdue 3 days")


@pytest.mark.django_db
def test_rows_are_newest_first_and_limited_to_twenty(member, customer, uk_org):
    for day in range(1, 26):
        InvoiceFactory(connection=uk_org, contact=customer, issued_on=date(2026, 2, day), number=f"INV-{day:02d}")

    rows = _only(_summary(member, customer)).invoices

    assert [row.number for row in rows] == [f"INV-{day:02d}" for day in range(25, 5, -1)]


@pytest.mark.django_db
def test_drafts_voided_deleted_and_bills_are_listed_only_when_asked(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, number="SHOWN")
    InvoiceFactory(connection=uk_org, contact=customer, number="SUBMITTED", status="SUBMITTED")
    for status in ["DRAFT", "VOIDED", "DELETED"]:
        InvoiceFactory(connection=uk_org, contact=customer, number=status, status=status)
    InvoiceFactory(connection=uk_org, contact=customer, number="BILL", type="ACCPAY")

    shown = {row.number for row in _only(_summary(member, customer)).invoices}
    everything = {row.number for row in _only(_summary(member, customer, include_hidden=True)).invoices}

    assert shown == {"SHOWN", "SUBMITTED"}
    assert everything == {"SHOWN", "SUBMITTED", "DRAFT", "VOIDED", "DELETED", "BILL"}


@pytest.mark.django_db
def test_an_organisation_holding_only_hidden_documents_is_not_listed(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, status="DRAFT")

    summary = _summary(member, customer)

    assert summary.organisations == ()


# Query counts


@pytest.mark.parametrize("count", [0, 300])
@pytest.mark.django_db
def test_summary_query_count_does_not_grow_with_invoices(
    member, customer, uk_org, nz_org, count, django_assert_max_num_queries
):
    for number in range(count):
        invoice = InvoiceFactory(
            connection=uk_org if number % 2 else nz_org,
            contact=customer,
            currency_code=["GBP", "USD", "NZD"][number % 3],
            currency_rate=Decimal("1.1"),
            due_on=date(2026, 3, number % 28 + 1),
            amount_paid=Decimal("10.00"),
        )
        PaymentFactory(invoice=invoice, amount=Decimal("10.00"))

    with django_assert_max_num_queries(9):  # six for the panel, three for the payment record
        summary = _summary(member, customer)

    assert sum(len(c.invoices) for c in summary.organisations) == min(count, 40)


# overdue_accounts


@pytest.mark.django_db
def test_overdue_accounts_lists_the_longest_overdue_first(member, team_a, uk_org):
    owner = UserFactory(teams=[team_a])
    slow = OrganisationFactory(name="Slow Payer", team=team_a, owner=owner)
    late = OrganisationFactory(name="Late Payer", team=team_a)
    prompt = OrganisationFactory(name="Prompt Payer", team=team_a)
    InvoiceFactory(connection=uk_org, contact=late, due_on=date(2026, 3, 15))
    InvoiceFactory(connection=uk_org, contact=slow, due_on=date(2026, 2, 1))
    InvoiceFactory(connection=uk_org, contact=slow, due_on=date(2026, 3, 1), currency_code="USD")
    InvoiceFactory(connection=uk_org, contact=prompt, due_on=date(2026, 4, 1))

    accounts = receivables.overdue_accounts(user=member, now=NOW)

    assert [(a.contact.name, a.overdue, a.oldest_days_overdue, a.invoice_count, a.owner) for a in accounts] == [
        ("Slow Payer", {"GBP": Decimal("100.00"), "USD": Decimal("100.00")}, 47, 2, owner),
        ("Late Payer", {"GBP": Decimal("100.00")}, 5, 1, None),
    ]


@pytest.mark.django_db
def test_overdue_accounts_hides_other_teams_contacts(member, team_b, uk_org):
    InvoiceFactory(connection=uk_org, contact=OrganisationFactory(team=team_b), due_on=date(2026, 1, 1))

    accounts = receivables.overdue_accounts(user=member, now=NOW)

    assert accounts == []


@pytest.mark.django_db
def test_overdue_accounts_ignores_voided_and_credit_notes(member, customer, uk_org):
    InvoiceFactory(connection=uk_org, contact=customer, due_on=date(2026, 1, 1), status="VOIDED")
    InvoiceFactory(
        connection=uk_org,
        contact=customer,
        due_on=date(2026, 1, 1),
        kind="credit_note",
        type="ACCRECCREDIT",
        amount_due=Decimal("0.00"),
        remaining_credit=Decimal("100.00"),
    )

    accounts = receivables.overdue_accounts(user=member, now=NOW)

    assert accounts == []


@pytest.mark.parametrize("count", [0, 300])
@pytest.mark.django_db
def test_overdue_accounts_query_count_does_not_grow(
    member, team_a, uk_org, nz_org, count, django_assert_max_num_queries
):
    for number in range(count):
        InvoiceFactory(
            connection=uk_org if number % 2 else nz_org,
            contact=OrganisationFactory(team=team_a, owner=member),
            due_on=date(2026, 3, number % 19 + 1),
        )

    with django_assert_max_num_queries(4):
        accounts = receivables.overdue_accounts(user=member, now=NOW)

    assert len(accounts) == count


@pytest.mark.django_db
def test_overdue_accounts_limited_in_sql_are_the_first_of_the_full_ranking(member, team_a, uk_org, nz_org):
    for number in range(40):
        InvoiceFactory(
            connection=uk_org if number % 2 else nz_org,
            contact=OrganisationFactory(team=team_a, name=f"Customer {number % 7}"),
            due_on=date(2026, 3, number % 13 + 1),
        )
    everyone = receivables.overdue_accounts(user=member, now=NOW)

    first_ten = receivables.overdue_accounts(user=member, now=NOW, limit=10)

    assert [a.contact.pk for a in first_ten] == [a.contact.pk for a in everyone[:10]]
    assert [a.oldest_days_overdue for a in everyone] == sorted((a.oldest_days_overdue for a in everyone), reverse=True)


@pytest.mark.parametrize("walk_rows", [3, 200])
@pytest.mark.django_db
def test_overdue_accounts_walked_page_by_page_are_the_first_of_the_full_ranking(
    member, team_a, team_b, uk_org, nz_org, monkeypatch, walk_rows
):
    monkeypatch.setattr(receivables, "_WALK_ROWS", walk_rows)
    contacts = [OrganisationFactory(team=team_a, name=f"Customer {number % 5}") for number in range(12)]
    hidden = OrganisationFactory(team=team_b, name="Another team's")
    InvoiceFactory(connection=uk_org, contact=hidden, due_on=date(2025, 1, 1))
    for number in range(60):
        # Several invoices per contact, in both organisations, many due the same day (ties at every boundary).
        InvoiceFactory(
            connection=uk_org if number % 3 else nz_org,
            contact=contacts[number % 12],
            due_on=date(2026, 3, number % 4 + 1),
        )
    everyone = receivables.overdue_accounts(user=member, now=NOW)

    for limit in (1, 5, 10, 20):
        first = receivables.overdue_accounts(user=member, now=NOW, limit=limit)

        assert [a.contact.pk for a in first] == [a.contact.pk for a in everyone[:limit]]
    assert hidden.pk not in {a.contact.pk for a in everyone}
