"""An opportunity's invoices against its value (opportunities.billing), on hand-worked figures."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services
from opportunities.billing import opportunity_billing
from tests.factories import InvoiceFactory, OpportunityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def sale(team_a, member):
    return OpportunityFactory(
        name="Shop fit-out", contact__team=team_a, outcome="won", closed_on=date(2026, 1, 5), value=Decimal("1000.00")
    )


def _invoice(sale, org, reference: str, amount: str, **fields):
    return InvoiceFactory(
        connection=org, contact=sale.contact, reference=reference, sub_total=Decimal(amount), **fields
    )


def test_the_invoices_are_set_against_the_value_per_currency(sale, member, uk_org):
    _invoice(sale, uk_org, f"OPP-{sale.pk}-1", "300.00", status="PAID", amount_paid=Decimal("300.00"))
    _invoice(sale, uk_org, f"OPP-{sale.pk}", "400.00", amount_paid=Decimal("100.00"), due_on=date(2026, 4, 1))
    _invoice(sale, uk_org, f"OPP-{sale.pk}-3", "200.00", status="DRAFT")
    _invoice(sale, uk_org, f"OPP-{sale.pk}", "50.00", currency_code="EUR", due_on=date(2026, 5, 1))
    _invoice(sale, uk_org, f"OPP-{sale.pk}9", "999.00")  # another opportunity's reference
    _invoice(sale, uk_org, f"OPP-{sale.pk}", "999.00", status="VOIDED")
    InvoiceFactory(connection=uk_org, reference=f"OPP-{sale.pk}", sub_total=Decimal("999.00"))  # another contact

    gbp, eur = opportunity_billing(user=member, opportunity=sale, now=NOW)

    assert (gbp.currency, gbp.value, gbp.invoiced, gbp.drafted, gbp.paid, gbp.due, gbp.overdue, gbp.to_invoice) == (
        "GBP",
        Decimal("1000.00"),
        Decimal("700.00"),
        Decimal("200.00"),
        Decimal("400.00"),
        Decimal("300.00"),
        Decimal("300.00"),
        Decimal("100.00"),
    )
    assert (eur.currency, eur.value, eur.invoiced, eur.due, eur.overdue, eur.to_invoice) == (
        "EUR",
        None,
        Decimal("50.00"),
        Decimal("50.00"),
        Decimal("0.00"),
        None,
    )


def test_an_invoice_matched_to_an_instalment_by_hand_counts_whatever_its_reference(sale, member, uk_org):
    services.instalment_plan_create_even(opportunity_id=sale.pk, user=member, count=2, first_due_on=date(2026, 5, 1))
    invoice = _invoice(sale, uk_org, "PO 7781", "500.00", due_on=date(2026, 5, 1))
    first = sale.instalment_plan.instalments.get(position=1)
    services.instalment_match(opportunity_id=sale.pk, instalment_id=first.pk, invoice_id=invoice.pk, user=member)

    (gbp,) = opportunity_billing(user=member, opportunity=sale, now=NOW)

    assert (gbp.invoiced, gbp.due, gbp.overdue, gbp.to_invoice) == (
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("0.00"),
        Decimal("500.00"),
    )


def test_a_won_sale_without_invoices_has_its_whole_value_to_invoice(sale, member):
    (gbp,) = opportunity_billing(user=member, opportunity=sale, now=NOW)

    assert (gbp.invoiced, gbp.to_invoice) == (Decimal("0.00"), Decimal("1000.00"))


def test_overdue_is_judged_by_each_organisations_own_date(sale, member, uk_org, nz_org):
    # 23:30 on 14 April in London is already 15 April in Auckland.
    late_evening = datetime(2026, 4, 14, 22, 30, tzinfo=UTC)
    _invoice(sale, uk_org, f"OPP-{sale.pk}", "100.00", due_on=date(2026, 4, 14))
    _invoice(sale, nz_org, f"OPP-{sale.pk}", "200.00", due_on=date(2026, 4, 14))

    (gbp,) = opportunity_billing(user=member, opportunity=sale, now=late_evening)

    assert (gbp.due, gbp.overdue) == (Decimal("300.00"), Decimal("200.00"))


def test_the_figures_are_read_in_two_queries(sale, member, uk_org, django_assert_num_queries):
    for position in range(1, 6):
        _invoice(sale, uk_org, f"OPP-{sale.pk}-{position}", "100.00")

    with django_assert_num_queries(2):
        opportunity_billing(user=member, opportunity=sale, now=NOW)


def test_the_opportunity_page_shows_the_figures(sale, member_client, uk_org):
    _invoice(sale, uk_org, f"OPP-{sale.pk}-1", "250.00", status="PAID", amount_paid=Decimal("250.00"))

    page = member_client.get(reverse("opportunities:detail", args=[sale.pk])).text

    billing = page.split('id="opportunity-billing"')[1].split("</section>")[0]
    assert '<td class="num billing-paid">GBP 250.00' in billing
    assert '<td class="num billing-to-invoice">GBP 750.00' in billing


def test_without_the_money_permission_the_figures_are_not_even_read(sale, team_a, client, uk_org):
    _invoice(sale, uk_org, f"OPP-{sale.pk}-1", "250.00")
    colleague = UserFactory(email="pat@example.com", teams=[team_a], can_see_money=False)
    client.force_login(colleague)

    page = client.get(reverse("opportunities:detail", args=[sale.pk])).text

    assert opportunity_billing(user=colleague, opportunity=sale, now=NOW) is None
    billing = page.split('id="opportunity-billing"')[1].split("</section>")[0]
    assert "GBP 250.00" not in billing
    assert "only to people who may see money" in billing


def test_an_open_opportunity_without_invoices_has_no_billing_card(team_a, member_client):
    deal = OpportunityFactory(contact=OrganisationFactory(team=team_a))

    page = member_client.get(reverse("opportunities:detail", args=[deal.pk])).text

    assert 'id="opportunity-billing"' not in page
