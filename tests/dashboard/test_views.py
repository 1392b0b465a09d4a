import pytest
from django.urls import reverse

from tests.factories import OpportunityFactory, OrganisationFactory

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
