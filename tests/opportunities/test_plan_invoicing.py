"""Who raises a plan's invoices, which instalments are due to be raised, and the claim one worker at a time wins
(opportunities.plan_invoicing). Raising them in Xero is tested in tests/xero/test_instalment_invoices.py."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from opportunities import plan_invoicing, services
from opportunities.models import Instalment, InstalmentPlan
from tests.concurrency import at_once
from tests.factories import InvoiceFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db

# 23:30 on 10 May in London; already 11 May in Auckland.
NOW = datetime(2026, 5, 10, 22, 30, tzinfo=UTC)


@pytest.fixture
def sale(team_a, member):
    sale = OpportunityFactory(name="Shop fit-out", contact__team=team_a, outcome="won", closed_on=date(2026, 1, 5))
    services.instalment_plan_create_even(opportunity_id=sale.pk, user=member, count=3, first_due_on=date(2026, 5, 25))
    return sale


def _schedule(sale, member, organisation, days: int) -> InstalmentPlan:
    return plan_invoicing.instalment_plan_invoicing_set(
        opportunity_id=sale.pk,
        user=member,
        invoicing=InstalmentPlan.Invoicing.SCHEDULED,
        organisation_id=organisation.pk,
        raise_days_before_due=days,
    )


def _positions(ids: list[int]) -> list[int]:
    return [Instalment.objects.get(pk=pk).position for pk in ids]


def test_an_instalment_is_due_to_raise_its_days_before_its_due_date_in_its_organisations_date(
    sale, member, uk_org, nz_org
):
    """Instalment 1 is due 25 May; raised 14 days before, on 11 May: already in Auckland, not yet in London."""
    _schedule(sale, member, uk_org.organisation, 14)
    in_london = plan_invoicing.instalments_due_to_raise(now=NOW)
    _schedule(sale, member, nz_org.organisation, 14)

    in_auckland = plan_invoicing.instalments_due_to_raise(now=NOW)

    assert in_london == []
    assert _positions(in_auckland) == [1]


def test_invoiced_refused_and_unscheduled_instalments_are_not_due(sale, member, team_a, uk_org):
    _schedule(sale, member, uk_org.organisation, 90)  # due 25 May, 25 June and 25 July: each raised by 10 May
    first, second, _ = sale.instalment_plan.instalments.order_by("position")
    first.invoice = InvoiceFactory(connection=uk_org, contact=sale.contact)
    first.save()
    Instalment.objects.filter(pk=second.pk).update(raise_error="Account code '999' is not a valid code.")
    other = OpportunityFactory(contact__team=team_a, outcome="won", closed_on=date(2026, 1, 5))
    services.instalment_plan_create_even(opportunity_id=other.pk, user=member, count=1, first_due_on=date(2026, 5, 1))

    due = plan_invoicing.instalments_due_to_raise(now=NOW)

    assert _positions(due) == [3]


@pytest.mark.django_db(transaction=True)
def test_only_one_of_two_racing_claims_wins_and_the_key_stays_with_the_instalment(sale, member, uk_org):
    _schedule(sale, member, uk_org.organisation, 14)
    first = sale.instalment_plan.instalments.get(position=1)

    claims = at_once(*[lambda: plan_invoicing.instalment_raise_claim(instalment_id=first.pk, now=NOW)] * 2)

    winners = [claim for claim in claims if claim is not None]
    assert len(winners) == 1, claims
    key = winners[0].raise_key
    assert key is not None
    plan_invoicing.instalment_raise_finish(instalment_id=first.pk)  # Xero did not answer: released, key kept
    again = plan_invoicing.instalment_raise_claim(instalment_id=first.pk, now=NOW)
    assert again.raise_key == key


def test_a_claim_whose_worker_died_lapses(sale, member, uk_org):
    first = sale.instalment_plan.instalments.get(position=1)
    plan_invoicing.instalment_raise_claim(instalment_id=first.pk, now=NOW)

    too_soon = plan_invoicing.instalment_raise_claim(instalment_id=first.pk, now=NOW + timedelta(minutes=14))
    later = plan_invoicing.instalment_raise_claim(instalment_id=first.pk, now=NOW + timedelta(minutes=16))

    assert too_soon is None
    assert later is not None


def test_finishing_links_the_invoice_or_keeps_the_refusal(sale, member, uk_org):
    first, second, _ = sale.instalment_plan.instalments.order_by("position")
    invoice = InvoiceFactory(connection=uk_org, contact=sale.contact, reference=f"OPP-{sale.pk}-1")

    linked = plan_invoicing.instalment_raise_finish(instalment_id=first.pk, invoice_id=invoice.pk)
    plan_invoicing.instalment_raise_finish(instalment_id=second.pk, error="TaxType 'OUTPUT9' is not valid.")

    first.refresh_from_db()
    second.refresh_from_db()
    assert linked
    assert (first.invoice_id, first.matched_by, first.raise_claimed_at) == (invoice.pk, "auto", None)
    assert (second.invoice_id, second.raise_error) == (None, "TaxType 'OUTPUT9' is not valid.")


def test_saving_the_invoicing_again_forgets_a_refusal(sale, member, uk_org):
    _schedule(sale, member, uk_org.organisation, 14)
    first = sale.instalment_plan.instalments.get(position=1)
    plan_invoicing.instalment_raise_claim(instalment_id=first.pk, now=NOW)
    plan_invoicing.instalment_raise_finish(instalment_id=first.pk, error="Refused")

    _schedule(sale, member, uk_org.organisation, 20)

    first.refresh_from_db()
    assert (first.raise_error, first.raise_key) == ("", None)


def test_the_form_refuses_a_schedule_without_days_and_saves_nothing(sale, member_client, uk_org):
    url = reverse("opportunities:instalments_invoicing", args=[sale.pk])

    response = member_client.post(
        url, {"invoicing": "scheduled", "organisation": uk_org.organisation.pk}, headers={"HX-Request": "true"}
    )

    assert "Say how many days before its due date each one is raised." in response.text
    assert InstalmentPlan.objects.get(opportunity=sale).invoicing == "by_hand"


def test_the_form_saves_a_schedule(sale, member_client, member, uk_org):
    url = reverse("opportunities:instalments_invoicing", args=[sale.pk])

    response = member_client.post(
        url,
        {"invoicing": "scheduled", "organisation": uk_org.organisation.pk, "raise_days_before_due": "10"},
        headers={"HX-Request": "true"},
    )

    plan = InstalmentPlan.objects.get(opportunity=sale)
    assert response.status_code == 200
    assert (plan.invoicing, plan.organisation_id, plan.raise_days_before_due, plan.invoicing_set_by) == (
        "scheduled",
        uk_org.organisation.pk,
        10,
        member,
    )
    assert "10 days before it is due" in response.text


def test_a_user_who_may_not_see_money_cannot_set_the_invoicing(sale, client, team_a, uk_org):
    client.force_login(UserFactory(teams=[team_a], can_see_money=False))

    response = client.post(
        reverse("opportunities:instalments_invoicing", args=[sale.pk]),
        {"invoicing": "on_demand", "organisation": uk_org.organisation.pk},
    )

    assert response.status_code == 403
    assert InstalmentPlan.objects.get(opportunity=sale).invoicing == "by_hand"
