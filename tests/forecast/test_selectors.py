"""The forecast on the hand-worked world of conftest.py, as of Monday 2 March 2026."""

from datetime import date
from decimal import Decimal

import pytest

from contacts.models import Contact
from forecast.rules import Source
from forecast.selectors import cash_forecast
from invoices.models import Invoice
from tests.factories import InvoiceFactory, MilestoneFactory, OpportunityFactory, OrganisationFactory, UserFactory
from tests.forecast.conftest import TODAY

pytestmark = pytest.mark.django_db

INV, OVER, INST, PIPE = Source.INVOICED, Source.OVERDUE, Source.INSTALMENTS, Source.PIPELINE


def _weeks(forecast, currency):
    """{week: {source: amount}} of the non-empty weeks of one currency."""
    chart = next(chart for chart in forecast.currencies if chart.forecast.currency == currency)
    return {
        week.week: {source: amount for source, amount in week.by_source.items() if amount}
        for week in chart.forecast.weeks
        if week.total
    }


def test_each_source_lands_in_its_hand_worked_week(forecast_world, member):
    """GBP, worked by hand:
    week 1: L-LATE and N-LATE are past even their usual date, each spread over 4 weeks: 25.00 + 25.00 overdue;
    week 2: N-OPEN (no history) on its due date 10 March: 200; L-USUAL due 25 Feb + 15 days = 12 March: 400,
            plus the two spread quarters: 450 overdue;
    week 3: L-OPEN due 5 March + 15 days = 20 March: 300; the spread quarters: 50; instalment 2 due 17 March: 500;
    week 4: the last quarters, N-LATE's taking its extra penny: 25.00 + 25.01;
    week 5: Small deal 250 x 50%, closing 1 March (passed, so today) + 30 days = 1 April: 125;
    week 7: instalment 3 due 17 April: 500. Instalment 1 is invoiced (and paid), so it is not counted again."""
    forecast = cash_forecast(user=member, today=TODAY)

    assert _weeks(forecast, "GBP") == {
        1: {OVER: Decimal("50.00")},
        2: {INV: Decimal("200.00"), OVER: Decimal("450.00")},
        3: {INV: Decimal("300.00"), OVER: Decimal("50.00"), INST: Decimal("500.00")},
        4: {OVER: Decimal("50.01")},
        5: {PIPE: Decimal("125.00")},
        7: {INST: Decimal("500.00")},
    }


def test_currencies_are_kept_apart(forecast_world, member):
    """The EUR proposal (1000 x 40%, closing 20 Feb, so 1 April) and the NZD invoice due 3 March stand alone."""
    forecast = cash_forecast(user=member, today=TODAY)

    assert [chart.forecast.currency for chart in forecast.currencies] == ["EUR", "GBP", "NZD"]
    assert _weeks(forecast, "EUR") == {5: {PIPE: Decimal("400.00")}}
    assert _weeks(forecast, "NZD") == {1: {INV: Decimal("50.00")}}


def test_nothing_is_lost_or_added_by_spreading(forecast_world, member):
    """Every GBP amount due on open invoices (300 + 400 + 100 + 200 + 100.01) is forecast within 13 weeks."""
    forecast = cash_forecast(user=member, today=TODAY)

    gbp = next(chart.forecast for chart in forecast.currencies if chart.forecast.currency == "GBP")
    assert gbp.by_source[INV] + gbp.by_source[OVER] == Decimal("1100.01")


def test_lateness_counts_only_the_last_365_days_of_payments(forecast_world, member):
    """Were the 61-days-late payment of January 2025 counted, Late Ltd would average 30.3 days and L-OPEN would
    land in week 6, not week 3."""
    week = cash_forecast(user=member, today=TODAY).week(3)

    assert ("L-OPEN", Decimal("300.00")) in [(p.item.label, p.amount) for p in week.placements]
    assert "pays 15 days late on average" in next(p.item.basis for p in week.placements if p.item.label == "L-OPEN")


def test_a_week_lists_what_makes_it_up(forecast_world, member):
    week = cash_forecast(user=member, today=TODAY).week(2)

    assert [(p.item.currency, p.item.source, p.item.label, p.amount) for p in week.placements] == [
        ("GBP", INV, "N-OPEN", Decimal("200.00")),
        ("GBP", OVER, "L-USUAL", Decimal("400.00")),
        ("GBP", OVER, "L-LATE", Decimal("25.00")),
        ("GBP", OVER, "N-LATE", Decimal("25.00")),
    ]
    assert str(week.starts_on) == "2026-03-09"


def test_another_team_sees_none_of_the_figures(forecast_world, team_b):
    outsider = UserFactory(email="outsider@example.com", teams=[team_b])

    forecast = cash_forecast(user=outsider, today=TODAY)

    assert forecast.currencies == ()
    assert forecast.placements == ()


def test_the_payment_terms_come_from_the_setting(forecast_world, member, settings):
    settings.FORECAST_PAYMENT_TERMS_DAYS = 0

    forecast = cash_forecast(user=member, today=TODAY)

    assert _weeks(forecast, "EUR") == {1: {PIPE: Decimal("400.00")}}


def test_the_forecast_is_read_in_four_queries(forecast_world, member, django_assert_num_queries):
    with django_assert_num_queries(4):
        cash_forecast(user=member, today=TODAY)


def test_a_week_says_how_each_invoice_was_placed(forecast_world, member):
    week = cash_forecast(user=member, today=TODAY).week(4)

    assert {p.item.label: p.item.basis for p in week.placements} == {
        "L-LATE": "pays 15 days late on average; already later than that, spread over 4 weeks",
        "N-LATE": "no payment history: on the due date; already later than that, spread over 4 weeks",
    }


def test_an_instalment_leaves_the_instalments_once_its_invoice_bills_the_customer(forecast_world, member):
    """Instalment 2 (due 17 March, week 3) matched to a draft invoice is not invoiced yet: it stays an instalment.
    Instalment 3 (due 17 April) matched to an authorised invoice due 17 April leaves the instalments and is
    counted once, as an open invoice of New Ltd (no payment history: on its due date, week 7)."""
    second, third = forecast_world.won.instalment_plan.instalments.filter(position__in=[2, 3]).order_by("position")
    books = Invoice.objects.filter(contact=forecast_world.new).first().organisation
    second.invoice = InvoiceFactory(
        organisation=books, contact=forecast_world.new, number="N-INST2", status="DRAFT", sub_total=second.amount
    )
    second.save()
    third.invoice = InvoiceFactory(
        organisation=books,
        contact=forecast_world.new,
        number="N-INST3",
        due_on=date(2026, 4, 17),
        sub_total=third.amount,
    )
    third.save()

    forecast = cash_forecast(user=member, today=TODAY)

    weeks = _weeks(forecast, "GBP")
    assert weeks[3][INST] == Decimal("500.00")
    assert weeks[7] == {INV: Decimal("500.00")}
    (draft,) = [p for p in forecast.week(3).placements if p.item.source == INST]
    assert draft.item.basis == "its invoice N-INST2 is draft: on its due date"
    assert [p.item.label for p in forecast.week(7).placements] == ["N-INST3"]


def test_an_opportunity_is_expected_on_its_organisations_stored_payment_terms(forecast_world, member, team_a):
    """Xero's terms of the books Late Ltd is invoiced in: the 20th of the following month. Small deal (250 x 50%,
    closing 1 March, so today, 2 March) is due 20 April: week 8 (20-26 April), not 1 April (week 5) as 30 days
    would put it. A prospect with no invoices yet takes the same terms: the books are the only organisation."""
    books = Invoice.objects.filter(contact=forecast_world.late).first().organisation
    books.sales_terms_day, books.sales_terms_type = 20, "OFFOLLOWINGMONTH"
    books.save()
    prospect = OrganisationFactory(name="Prospect Ltd", team=team_a)
    OpportunityFactory(
        name="First order",
        contact=prospect,
        milestone=MilestoneFactory(name="Demo", probability=10),
        value=Decimal("500.00"),
        expected_close_date=date(2026, 3, 25),
    )

    forecast = cash_forecast(user=member, today=TODAY)

    weeks = _weeks(forecast, "GBP")
    assert PIPE not in weeks.get(5, {})
    assert weeks[8][PIPE] == Decimal("175.00")  # 125 + 50: First order, invoiced 25 March, due 20 April too
    small = next(p for p in forecast.week(8).placements if p.item.label == "Small deal")
    assert small.item.basis.endswith(f"due on {books.name}'s terms: the 20th of the following month")


def test_the_contacts_own_payment_terms_come_before_its_organisations(forecast_world, member):
    """Late Ltd's own terms (the CRM contact's, their one home): 7 days after the invoice date. Small deal (250 x
    50%, closing 1 March, so today, 2 March) is then due 9 March (week 2), though its books say the 20th of the
    following month (20 April, week 8)."""
    books = Invoice.objects.filter(contact=forecast_world.late).first().organisation
    books.sales_terms_day, books.sales_terms_type = 20, "OFFOLLOWINGMONTH"
    books.save()
    Contact.objects.filter(pk=forecast_world.late.pk).update(
        payment_terms_day=7, payment_terms_type="DAYSAFTERBILLDATE"
    )

    forecast = cash_forecast(user=member, today=TODAY)

    small = next(p for p in forecast.week(2).placements if p.item.label == "Small deal")
    assert small.item.basis.endswith("due on Late Ltd's own terms: 7 day(s) after the invoice date")
    assert all(p.item.label != "Small deal" for p in forecast.week(8).placements)
