from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import InvoiceFactory, OpportunityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_dashboard_totals_pipeline_per_currency(member_client, team_a):
    contact = OrganisationFactory(team=team_a)
    OpportunityFactory(contact=contact, value="100.00", currency_code="GBP")
    OpportunityFactory(contact=contact, value="50.25", currency_code="GBP")
    OpportunityFactory(contact=contact, value="70.00", currency_code="NZD")

    response = member_client.get(reverse("dashboard"))

    totals = {row["currency_code"]: row["value"] for row in response.context["summary"].open_value_by_currency}
    assert {code: str(value) for code, value in totals.items()} == {"GBP": "150.25", "NZD": "70.00"}


def test_the_dashboard_is_the_home_page(member_client):
    response = member_client.get("/")

    assert response.status_code == 200
    assert "dashboard/dashboard.html" in [template.name for template in response.templates]


def _won(contact, *, value: str, closed_on: date, currency_code: str = "GBP", name: str = ""):
    return OpportunityFactory(
        contact=contact,
        outcome="won",
        closed_on=closed_on,
        value=Decimal(value),
        currency_code=currency_code,
        **({"name": name} if name else {}),
    )


def test_the_dashboard_lists_won_sales_not_yet_fully_invoiced_longest_won_first(member_client, team_a, team_b, uk_org):
    contact = OrganisationFactory(team=team_a)
    part = _won(contact, value="1000.00", closed_on=date(2026, 3, 1), name="Part invoiced")
    InvoiceFactory(connection=uk_org, contact=contact, reference=f"OPP-{part.pk}-1", sub_total=Decimal("300.00"))
    InvoiceFactory(
        connection=uk_org, contact=contact, reference=f"OPP-{part.pk}", sub_total=Decimal("200.00"), status="DRAFT"
    )
    InvoiceFactory(  # in another currency: it can't be set against a GBP value
        connection=uk_org, contact=contact, reference=f"OPP-{part.pk}", sub_total=Decimal("900.00"), currency_code="EUR"
    )
    _won(contact, value="80.00", closed_on=date(2026, 1, 1), name="Nothing invoiced")
    done = _won(contact, value="100.00", closed_on=date(2025, 1, 1))
    InvoiceFactory(connection=uk_org, contact=contact, reference=f"OPP-{done.pk}", sub_total=Decimal("100.00"))
    voided = _won(contact, value="100.00", closed_on=date(2025, 6, 1), name="Its invoice voided")
    InvoiceFactory(
        connection=uk_org, contact=contact, reference=f"OPP-{voided.pk}", sub_total=Decimal("100.00"), status="VOIDED"
    )
    _won(OrganisationFactory(team=team_b), value="500.00", closed_on=date(2026, 1, 1))  # another team's
    OpportunityFactory(contact=contact)  # open

    listed = member_client.get(reverse("dashboard")).context["summary"].won_not_invoiced

    assert [(deal.name, deal.invoiced, deal.to_invoice) for deal in listed] == [
        ("Its invoice voided", Decimal("0.00"), Decimal("100.00")),
        ("Nothing invoiced", Decimal("0.00"), Decimal("80.00")),
        ("Part invoiced", Decimal("500.00"), Decimal("500.00")),
    ]


def test_each_won_sale_listed_links_to_its_opportunity(member_client, team_a):
    deal = _won(OrganisationFactory(team=team_a), value="80.00", closed_on=date(2026, 1, 1), name="Ovens")

    page = member_client.get(reverse("dashboard")).text

    card = page.split('id="won-not-invoiced"')[1].split("</section>")[0]
    assert f'<a href="{reverse("opportunities:detail", args=[deal.pk])}">Ovens</a>' in card
    assert "GBP 80.00" in card


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("dashboard"))
    return len(captured)


def test_the_won_sales_list_costs_the_same_queries_whatever_their_number(member_client, team_a, uk_org):
    contact = OrganisationFactory(team=team_a)

    def won_and_part_invoiced(day: int) -> None:
        deal = _won(contact, value="100.00", closed_on=date(2026, 1, day))
        InvoiceFactory(connection=uk_org, contact=contact, reference=f"OPP-{deal.pk}-1", sub_total=Decimal("40.00"))

    won_and_part_invoiced(1)
    one = _dashboard_queries(member_client)
    for day in range(2, 21):
        won_and_part_invoiced(day)

    assert _dashboard_queries(member_client) == one
    assert len(member_client.get(reverse("dashboard")).context["summary"].won_not_invoiced) == 10


def test_a_user_who_may_not_see_money_gets_no_won_sales_list(client, team_a):
    _won(OrganisationFactory(team=team_a), value="80.00", closed_on=date(2026, 1, 1))
    client.force_login(UserFactory(teams=[team_a], can_see_money=False))

    response = client.get(reverse("dashboard"))

    assert response.context["summary"].won_not_invoiced == []
    assert 'id="won-not-invoiced"' not in response.text
