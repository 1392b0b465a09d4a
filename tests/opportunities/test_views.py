import pytest
from django.urls import reverse

from tests.factories import MilestoneFactory, OpportunityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_pipeline_groups_open_opportunities_of_own_team_by_milestone(member_client, team_a, team_b):
    proposal = MilestoneFactory(name="Proposal", position=2)
    OpportunityFactory(name="Visible deal", contact=OrganisationFactory(team=team_a), milestone=proposal)
    OpportunityFactory(name="Other team's deal", contact=OrganisationFactory(team=team_b), milestone=proposal)
    OpportunityFactory(name="Won deal", contact=OrganisationFactory(team=team_a), milestone=proposal, outcome="won",
                       closed_on="2026-01-01")

    response = member_client.get(reverse("opportunities:pipeline"))

    assert [column.milestone for column in response.context["columns"]] == [proposal]
    assert [o.name for o in response.context["columns"][0].opportunities] == ["Visible deal"]
    assert "Other team" not in response.text


def test_opportunity_of_another_team_is_404(member_client, team_b):
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_b))

    response = member_client.get(reverse("opportunities:detail", args=[opportunity.pk]))

    assert response.status_code == 404


def test_opportunity_page_shows_value_with_currency(member_client, team_a):
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a), value="12500.50", currency_code="NZD")

    response = member_client.get(reverse("opportunities:detail", args=[opportunity.pk]))

    assert "NZD 12,500.50" in response.text
