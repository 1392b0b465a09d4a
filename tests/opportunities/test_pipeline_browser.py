import pytest
from playwright.sync_api import expect

from tests.factories import MilestoneFactory, OpportunityFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_moving_a_card_moves_it_to_the_other_column_without_a_reload(signed_in_page, member, team_a, live_server):
    MilestoneFactory(name="New", position=1)
    proposal = MilestoneFactory(name="Proposal", position=3)
    opportunity = OpportunityFactory(
        name="Ovens for the new shop", contact=OrganisationFactory(team=team_a), milestone=MilestoneFactory(name="New")
    )
    page = signed_in_page(member)
    page.goto(f"{live_server.url}/pipeline/")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Move Ovens for the new shop to").select_option(str(proposal.pk))
    page.locator(f'[data-opportunity="{opportunity.pk}"]').get_by_role("button", name="Move").click()

    expect(page.get_by_role("region", name="Proposal")).to_contain_text("Ovens for the new shop")
    expect(page.get_by_role("region", name="New")).not_to_contain_text("Ovens for the new shop")
    assert page.evaluate("window.notReloaded") is True
