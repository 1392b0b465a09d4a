"""Adding and editing opportunities in the app, marking them won or lost, and reopening them (issue 15)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity
from tests.factories import MilestoneFactory, OpportunityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return MilestoneFactory(name="Proposal", position=2, probability=40)


def opportunity_form(milestone, /, **fields) -> dict[str, str]:
    return {
        "name": "Ovens for the new shop",
        "value": "12500.50",
        "currency_code": "gbp",
        "milestone": str(milestone.pk),
        "expected_close_date": "2027-03-31",
        "owner": "",
        "description": "Two deck ovens.",
        **fields,
    }


def test_the_contact_page_and_the_pipeline_offer_to_add_an_opportunity(member_client, team_a):
    contact = OrganisationFactory(team=team_a)

    page = member_client.get(reverse("contacts:detail", args=[contact.pk]))
    pipeline = member_client.get(reverse("opportunities:pipeline"))

    assert f'href="{reverse("opportunities:contact_create", args=[contact.pk])}"' in page.text
    assert f'href="{reverse("opportunities:create")}"' in pipeline.text


def test_adding_from_a_contact_opens_it_in_the_contacts_team_weighted_by_its_milestone(
    member_client, member, team_a, proposal
):
    contact = OrganisationFactory(team=team_a)

    response = member_client.post(
        reverse("opportunities:contact_create", args=[contact.pk]), opportunity_form(proposal, owner=str(member.pk))
    )

    opportunity = Opportunity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("opportunities:detail", args=[opportunity.pk])
    assert (opportunity.contact, opportunity.team, opportunity.owner, opportunity.outcome) == (
        contact,
        team_a,
        member,
        "open",
    )
    assert (opportunity.value, opportunity.currency_code, opportunity.probability) == (Decimal("12500.50"), "GBP", 40)
    assert opportunity.expected_close_date == date(2027, 3, 31)
    assert opportunity.weighted_value == Decimal("5000.20")
    assert "GBP 5,000.20" in member_client.get(response["Location"]).text


def test_adding_from_the_pipeline_picks_a_contact(member_client, team_a, proposal):
    contact = OrganisationFactory(team=team_a)

    member_client.post(reverse("opportunities:create"), opportunity_form(proposal, contact=str(contact.pk)))

    assert Opportunity.objects.get().contact == contact
    assert "Ovens for the new shop" in member_client.get(reverse("opportunities:pipeline")).text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"value": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"value": "ten"}, "Enter a number."),
        ({"value": "1.234"}, "Ensure that there are no more than 2 decimal places."),
        ({"value": "1" * 17 + ".00"}, "Ensure that there are no more than 18 digits in total."),
        ({"currency_code": "pounds"}, "Ensure this value has at most 3 characters"),
        ({"currency_code": "G1"}, "Give a three-letter currency code, such as GBP."),
        ({"milestone": "999999"}, "Select a valid choice."),
        ({"expected_close_date": "31/02/2027"}, "Enter a valid date."),
        ({"description": "x" * 5001}, "Ensure this value has at most 5000 characters"),
    ],
)
def test_bad_input_is_explained_keeps_what_was_typed_and_saves_nothing(
    member_client, team_a, proposal, fields, message
):
    contact = OrganisationFactory(team=team_a)

    response = member_client.post(
        reverse("opportunities:contact_create", args=[contact.pk]), opportunity_form(proposal, **fields)
    )

    assert response.status_code == 200
    assert message in response.text
    assert ("Two deck ovens." if "description" not in fields else 'value="Ovens for the new shop"') in response.text
    assert not Opportunity.objects.exists()


def test_the_pipeline_form_needs_a_contact_the_user_may_see(member_client, team_a, team_b, proposal):
    theirs = OrganisationFactory(team=team_b)

    missing = member_client.post(reverse("opportunities:create"), opportunity_form(proposal))
    foreign = member_client.post(reverse("opportunities:create"), opportunity_form(proposal, contact=str(theirs.pk)))

    assert "This field is required." in missing.text
    assert "Select a valid choice." in foreign.text
    assert not Opportunity.objects.exists()


def test_the_owner_must_be_in_the_contacts_team(client, team_a, team_b, proposal):
    both = UserFactory(email="both@example.com", teams=[team_a, team_b])
    only_b = UserFactory(email="only-b@example.com", teams=[team_b])
    client.force_login(both)
    contact = OrganisationFactory(team=team_a)

    response = client.post(
        reverse("opportunities:contact_create", args=[contact.pk]), opportunity_form(proposal, owner=str(only_b.pk))
    )

    assert "only-b@example.com is not a member of Team A, the contact&#x27;s team." in response.text
    assert not Opportunity.objects.exists()


def test_an_archived_contact_takes_no_new_opportunity(member_client, team_a, proposal):
    contact = OrganisationFactory(team=team_a, name="Bluebell Bakery", archived_at="2027-01-01T00:00Z")

    response = member_client.post(
        reverse("opportunities:contact_create", args=[contact.pk]), opportunity_form(proposal)
    )

    assert "Bluebell Bakery is archived: unarchive it to open an opportunity." in response.text
    assert not Opportunity.objects.exists()


def test_editing_to_another_milestone_takes_its_probability(member_client, team_a, proposal):
    opportunity = OpportunityFactory(
        contact=OrganisationFactory(team=team_a), milestone=MilestoneFactory(), probability=10
    )

    response = member_client.post(
        reverse("opportunities:edit", args=[opportunity.pk]),
        opportunity_form(proposal, name="Three ovens", value="18000"),
    )

    opportunity.refresh_from_db()
    assert response.status_code == 302
    assert (opportunity.name, opportunity.value, opportunity.milestone, opportunity.probability) == (
        "Three ovens",
        Decimal("18000.00"),
        proposal,
        40,
    )


def test_a_refused_edit_changes_nothing(member_client, team_a, proposal):
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a), name="Ovens")

    response = member_client.post(
        reverse("opportunities:edit", args=[opportunity.pk]), opportunity_form(proposal, name="Three ovens", value="-5")
    )

    assert response.status_code == 200
    assert 'value="Three ovens"' in response.text
    assert Opportunity.objects.get(pk=opportunity.pk).name == "Ovens"


def test_marking_lost_needs_a_reason_and_then_leaves_the_pipeline(member_client, team_a, proposal):
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a), milestone=proposal, name="Ovens")
    url = reverse("opportunities:close", args=[opportunity.pk])

    refused = member_client.post(url, {"outcome": "lost", "reason": "  "})
    closed = member_client.post(url, {"outcome": "lost", "reason": "Went with a cheaper supplier"})

    assert "Say why it was lost." in refused.text
    assert closed.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.outcome, opportunity.close_reason) == ("lost", "Went with a cheaper supplier")
    assert opportunity.closed_on is not None
    pipeline = member_client.get(reverse("opportunities:pipeline"))
    assert pipeline.context["columns"][0].opportunities == []


@pytest.mark.parametrize("outcome", ["", "maybe"])
def test_an_unknown_outcome_is_refused(member_client, team_a, outcome):
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a))

    response = member_client.post(reverse("opportunities:close", args=[opportunity.pk]), {"outcome": outcome})

    assert response.status_code == 200
    assert Opportunity.objects.get(pk=opportunity.pk).is_open


def test_closing_a_closed_opportunity_says_so(team_a, member):
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a), outcome="won", closed_on="2027-01-02")

    with pytest.raises(services.OpportunityClosed):
        services.opportunity_close(
            user=member, opportunity_id=opportunity.pk, outcome="lost", reason="No", today=date(2027, 1, 5)
        )

    assert Opportunity.objects.get(pk=opportunity.pk).outcome == "won"


def test_reopening_puts_it_back_in_the_pipeline_without_its_reason(member_client, team_a, proposal):
    opportunity = OpportunityFactory(
        contact=OrganisationFactory(team=team_a),
        milestone=proposal,
        outcome="lost",
        closed_on="2027-01-02",
        close_reason="Too dear",
    )

    response = member_client.post(reverse("opportunities:reopen", args=[opportunity.pk]))

    opportunity.refresh_from_db()
    assert response.status_code == 302
    assert (opportunity.outcome, opportunity.closed_on, opportunity.close_reason) == ("open", None, "")
    assert [o.pk for o in member_client.get(reverse("opportunities:pipeline")).context["columns"][0].opportunities] == [
        opportunity.pk
    ]


def test_a_won_sale_with_instalments_is_not_reopened(member, team_a):
    opportunity = OpportunityFactory(contact=OrganisationFactory(team=team_a), outcome="won", closed_on="2027-01-02")
    services.instalment_plan_create_even(
        opportunity_id=opportunity.pk, user=member, count=2, first_due_on=date(2027, 2, 1)
    )

    with pytest.raises(services.OpportunityInvalid, match="instalment plan"):
        services.opportunity_reopen(user=member, opportunity_id=opportunity.pk)

    assert Opportunity.objects.get(pk=opportunity.pk).outcome == "won"
