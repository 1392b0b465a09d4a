from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices import receivables
from tests.factories import InvoiceFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # 15 June in London and in Auckland
TODAY = date(2026, 6, 15)


def owed(connection, contact, *, days_overdue: int, amount: str = "100.00", currency: str = "GBP"):
    return InvoiceFactory(
        connection=connection,
        contact=contact,
        due_on=TODAY - timedelta(days=days_overdue),
        sub_total=Decimal(amount),
        currency_code=currency,
    )


def ages(row) -> dict[str, Decimal]:
    return {bucket.key: bucket.amount for bucket in row.ages}


def test_receivables_are_aged_by_days_overdue_at_the_bucket_edges(member, team_a, uk_org):
    contact = OrganisationFactory(team=team_a)
    for days in (0, 1, 30, 31, 60, 61, 90, 91):
        owed(uk_org, contact, days_overdue=days)

    (gbp,) = receivables.receivables(user=member, now=NOW).by_currency

    assert ages(gbp) == {
        "current": Decimal("100.00"),
        "1-30": Decimal("200.00"),
        "31-60": Decimal("200.00"),
        "61-90": Decimal("200.00"),
        "90+": Decimal("100.00"),
    }
    assert (gbp.outstanding, gbp.overdue) == (Decimal("800.00"), Decimal("700.00"))


def test_currencies_are_never_added_together(member, team_a, uk_org):
    contact = OrganisationFactory(team=team_a)
    owed(uk_org, contact, days_overdue=5, amount="100.00", currency="GBP")
    owed(uk_org, contact, days_overdue=5, amount="250.00", currency="USD")

    rows = receivables.receivables(user=member, now=NOW).by_currency

    assert [(row.currency, row.outstanding) for row in rows] == [("GBP", Decimal("100.00")), ("USD", Decimal("250.00"))]


def test_other_teams_money_is_not_counted(member, team_a, team_b, uk_org):
    owed(uk_org, OrganisationFactory(team=team_a), days_overdue=5, amount="10.00")
    owed(uk_org, OrganisationFactory(team=team_b), days_overdue=5, amount="990.00")

    (gbp,) = receivables.receivables(user=member, now=NOW).by_currency

    assert gbp.outstanding == Decimal("10.00")


def test_the_chart_shares_add_up_to_the_whole_bar(member, team_a, uk_org):
    contact = OrganisationFactory(team=team_a)
    owed(uk_org, contact, days_overdue=0, amount="50.00")
    owed(uk_org, contact, days_overdue=45, amount="150.00")

    (gbp,) = receivables.receivables(user=member, now=NOW).by_currency

    assert [(b.key, b.offset, b.share) for b in gbp.ages if b.amount] == [
        ("current", Decimal(0), Decimal("25.0")),
        ("31-60", Decimal("25.0"), Decimal("75.0")),
    ]


@pytest.mark.parametrize("invoice_count", [0, 200])
def test_the_dashboard_costs_the_same_queries_whatever_the_invoices(
    member_client, team_a, uk_org, invoice_count, django_assert_max_num_queries
):
    contact = OrganisationFactory(team=team_a)
    InvoiceFactory.create_batch(invoice_count, connection=uk_org, contact=contact, due_on=date(2026, 1, 1))

    member_client.get(reverse("dashboard"))  # the team's first load computes its forecast card (forecast.card)

    with django_assert_max_num_queries(21):  # 19, plus the forecast card's scope and figures
        response = member_client.get(reverse("dashboard"))

    assert response.status_code == 200


def test_the_dashboard_lists_overdue_accounts_with_their_owner(member_client, member, team_a, uk_org):
    contact = OrganisationFactory(team=team_a, name="Bluebell Bakery", owner=member)
    InvoiceFactory(connection=uk_org, contact=contact, due_on=date(2020, 1, 1), sub_total=Decimal("42.00"))

    response = member_client.get(reverse("dashboard"))

    overdue = response.text.split('id="overdue-accounts"')[1].split("</section>")[0]
    assert "Bluebell Bakery" in overdue
    assert "GBP 42.00" in overdue
    assert "member@example.com" in overdue
