"""The forecast page, its week drill-down, its CSV and the dashboard card."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import InvoiceFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_next_week(team_a):
    """An invoice of team A due in 7 days (the views read today from the clock, so the date is relative to it)."""
    contact = OrganisationFactory(name="Acme Ltd", team=team_a)
    return InvoiceFactory(
        contact=contact, number="INV-NEXT", due_on=timezone.localdate() + timedelta(days=7), sub_total=Decimal("321.00")
    )


def test_the_page_shows_the_chart_and_the_table(member_client, due_next_week):
    response = member_client.get(reverse("forecast:page"))

    assert response.status_code == 200
    assert '<svg class="forecast-chart"' in response.text
    assert "GBP 321.00" in response.text
    assert 'hx-get="/forecast/weeks/2/"' in response.text


def test_a_week_drill_down_lists_its_invoices_with_links(member_client, due_next_week):
    response = member_client.get(reverse("forecast:week", args=[2]), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="week-detail"')
    assert "INV-NEXT" in response.text
    assert reverse("contacts:detail", args=[due_next_week.contact_id]) in response.text
    assert "no payment history: on the due date" in response.text


def test_a_week_without_htmx_is_the_whole_page_with_the_week_listed(member_client, due_next_week):
    response = member_client.get(reverse("forecast:week", args=[2]))

    assert "<h1>Cash-in forecast</h1>" in response.text
    assert "INV-NEXT" in response.text


@pytest.mark.parametrize("week", [0, 14])
def test_only_weeks_1_to_13_exist(member_client, week):
    assert member_client.get(reverse("forecast:week", args=[week])).status_code == 404


def test_the_csv_has_a_row_per_currency_and_week(member_client, due_next_week):
    response = member_client.get(reverse("forecast:csv"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert len(rows) == 13
    assert (rows[1]["currency"], rows[1]["week"], rows[1]["invoiced"], rows[1]["total"]) == (
        "GBP",
        "2",
        "321.00",
        "321.00",
    )
    assert date.fromisoformat(rows[1]["starts_on"]) == timezone.localdate() + timedelta(days=7)


def test_another_team_gets_none_of_the_figures_in_page_week_or_csv(client, due_next_week, team_b):
    client.force_login(UserFactory(email="outsider@example.com", teams=[team_b]))

    page = client.get(reverse("forecast:page"))
    week = client.get(reverse("forecast:week", args=[2]), headers={"HX-Request": "true"})
    rows = client.get(reverse("forecast:csv")).content.decode().splitlines()

    assert "321.00" not in page.text
    assert "No cash is expected" in page.text
    assert "INV-NEXT" not in week.text
    assert "Nothing is expected this week." in week.text
    assert len(rows) == 1


def test_the_dashboard_card_links_to_the_forecast(member_client, due_next_week):
    response = member_client.get(reverse("dashboard"))

    assert 'id="cash-forecast"' in response.text
    assert reverse("forecast:page") in response.text
    assert "GBP 321.00 in 13 weeks" in response.text


def test_the_page_query_count_does_not_grow_with_the_invoices(member_client, team_a, django_assert_max_num_queries):
    for number in range(30):
        InvoiceFactory(contact__team=team_a, due_on=timezone.localdate() + timedelta(days=number))

    with django_assert_max_num_queries(9):
        member_client.get(reverse("forecast:page"))
