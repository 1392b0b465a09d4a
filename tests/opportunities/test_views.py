from datetime import date

import pytest
from django.urls import reverse

from tests.factories import InvoiceFactory, MilestoneFactory, OpportunityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_pipeline_groups_open_opportunities_of_own_team_by_milestone(member_client, team_a, team_b):
    proposal = MilestoneFactory(name="Proposal", position=2)
    OpportunityFactory(name="Visible deal", contact=OrganisationFactory(team=team_a), milestone=proposal)
    OpportunityFactory(name="Other team's deal", contact=OrganisationFactory(team=team_b), milestone=proposal)
    OpportunityFactory(
        name="Won deal",
        contact=OrganisationFactory(team=team_a),
        milestone=proposal,
        outcome="won",
        closed_on="2026-01-01",
    )

    response = member_client.get(reverse("opportunities:pipeline"))

    assert [column.milestone for column in response.context["columns"]] == [proposal]
    assert [o.name for o in response.context["columns"][0].opportunities] == ["Visible deal"]
    assert "Other team" not in response.text


def test_opportunity_page_shows_value_with_currency(member_client, team_a):
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a), value="12500.50", currency_code="NZD")

    response = member_client.get(reverse("opportunities:detail", args=[opportunity.pk]))

    assert "NZD 12,500.50" in response.text


def move(client, opportunity, milestone, *, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("opportunities:move", args=[opportunity.pk]), {"milestone": milestone.pk}, headers=headers
    )


def test_moving_a_card_changes_its_milestone_and_returns_the_board(member_client, team_a):
    new, won_soon = (
        MilestoneFactory(name="New", position=1),
        MilestoneFactory(name="Verbal yes", position=5, probability=90),
    )
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a), milestone=new)

    response = move(member_client, opportunity, won_soon)

    opportunity.refresh_from_db()
    assert (opportunity.milestone, opportunity.probability) == (won_soon, 90)
    assert response.text.lstrip().startswith('<div class="board" id="pipeline-board">')
    assert "pipeline-changed" in response.headers["HX-Trigger"]


def test_moving_without_javascript_goes_back_to_the_pipeline(member_client, team_a):
    new, later = MilestoneFactory(name="New", position=1), MilestoneFactory(name="Proposal", position=3)
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a), milestone=new)

    response = move(member_client, opportunity, later, htmx=False)

    assert response.status_code == 302
    assert response.url == reverse("opportunities:pipeline")


def test_a_won_opportunity_stays_put(member_client, team_a):
    new, later = MilestoneFactory(name="New", position=1), MilestoneFactory(name="Proposal", position=3)
    opportunity = OpportunityFactory(
        contact=OrganisationFactory(team=team_a), milestone=new, outcome="won", closed_on="2026-01-01"
    )

    response = move(member_client, opportunity, later)

    opportunity.refresh_from_db()
    assert response.status_code == 400
    assert opportunity.milestone == new


def test_a_card_shows_an_overdue_badge_when_its_contact_owes_overdue_money(member_client, team_a, uk_org):
    stage = MilestoneFactory(name="Proposal", position=2)
    owing, clear = OrganisationFactory(team=team_a, name="Owing Ltd"), OrganisationFactory(team=team_a, name="Clear")
    InvoiceFactory(connection=uk_org, contact=owing, due_on=date(2020, 1, 1))
    OpportunityFactory(name="Deal with owing", contact=owing, milestone=stage)
    OpportunityFactory(name="Deal with clear", contact=clear, milestone=stage)

    response = member_client.get(reverse("opportunities:pipeline"))

    cards = {o.name: o.overdue_invoices for o in response.context["columns"][0].opportunities}
    assert cards == {"Deal with owing": 1, "Deal with clear": 0}
    assert response.text.count("Owes overdue") == 1
