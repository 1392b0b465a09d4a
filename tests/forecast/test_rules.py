"""The forecast's arithmetic on plain dates and amounts (forecast.rules, forecast.chart)."""

from datetime import date, timedelta
from decimal import Decimal

from forecast.chart import CHART_HEIGHT, chart_bars
from forecast.rules import (
    Item,
    Placement,
    Source,
    forecast_tally,
    invoice_placements,
    opportunity_expected_on,
    overdue_placements,
    spread_evenly,
    week_of,
    weighted,
)

TODAY = date(2026, 3, 2)  # a Monday: week 1 is 2-8 March, week 2 9-15 March, week 13 25-31 May


def test_week_one_is_today_and_the_six_days_after():
    assert [week_of(on=day, today=TODAY) for day in (date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 9))] == [1, 1, 2]


def test_a_date_before_today_is_this_week_and_one_after_week_13_is_left_out():
    assert week_of(on=date(2026, 1, 1), today=TODAY) == 1
    assert week_of(on=date(2026, 5, 31), today=TODAY) == 13
    assert week_of(on=date(2026, 6, 1), today=TODAY) is None


def test_an_open_invoice_moves_by_the_customers_average_lateness_rounded_half_up():
    source, weeks = invoice_placements(
        due_on=date(2026, 3, 5), lateness=Decimal("14.5"), amount=Decimal("300.00"), today=TODAY
    )

    assert source is Source.INVOICED
    assert weeks == [(3, Decimal("300.00"))]  # 5 March + 15 days = 20 March


def test_a_customer_without_history_pays_on_the_due_date():
    assert invoice_placements(due_on=date(2026, 3, 10), lateness=None, amount=Decimal("200.00"), today=TODAY) == (
        Source.INVOICED,
        [(2, Decimal("200.00"))],
    )


def test_an_early_payer_is_expected_early_but_never_before_today():
    assert invoice_placements(due_on=date(2026, 3, 5), lateness=Decimal("-10"), amount=Decimal("1.00"), today=TODAY)[
        1
    ] == [(1, Decimal("1.00"))]


def test_an_overdue_invoice_lands_on_the_customers_usual_date_while_it_is_ahead():
    assert overdue_placements(
        due_on=date(2026, 2, 25), lateness=Decimal("15"), amount=Decimal("400.00"), today=TODAY
    ) == [(2, Decimal("400.00"))]  # 25 Feb + 15 days = 12 March


def test_an_overdue_invoice_later_than_usual_is_spread_over_four_weeks_with_the_pennies_last():
    assert overdue_placements(due_on=date(2026, 2, 20), lateness=None, amount=Decimal("100.01"), today=TODAY) == [
        (1, Decimal("25.00")),
        (2, Decimal("25.00")),
        (3, Decimal("25.00")),
        (4, Decimal("25.01")),
    ]


def test_a_customer_usually_six_weeks_late_is_spread_over_six_weeks():
    placed = overdue_placements(due_on=date(2025, 12, 1), lateness=Decimal("40"), amount=Decimal("60.00"), today=TODAY)

    assert [week for week, _ in placed] == [1, 2, 3, 4, 5, 6]
    assert sum(amount for _, amount in placed) == Decimal("60.00")


def test_spreading_never_loses_a_penny():
    assert sum(spread_evenly(amount=Decimal("100.00"), parts=3)) == Decimal("100.00")


def test_an_opportunity_is_weighted_and_expected_after_its_terms():
    assert weighted(value=Decimal("1000.00"), probability=40) == Decimal("400.00")
    assert weighted(value=Decimal("0.05"), probability=50) == Decimal("0.03")
    assert opportunity_expected_on(close_on=date(2026, 3, 20), payment_terms_days=30, today=TODAY) == date(2026, 4, 19)


def test_an_opportunity_past_its_close_date_is_read_as_closing_today():
    assert opportunity_expected_on(close_on=date(2026, 2, 1), payment_terms_days=30, today=TODAY) == date(2026, 4, 1)


def _placement(week, amount, currency="GBP", source=Source.INVOICED):
    item = Item(
        source=source,
        currency=currency,
        amount=Decimal(amount),
        label="x",
        contact_id=None,
        contact_name="",
        opportunity_id=None,
        due_on=None,
        basis="",
    )
    return Placement(week=week, amount=Decimal(amount), item=item)


def test_the_tally_keeps_currencies_and_sources_apart():
    tally = forecast_tally(
        placements=[
            _placement(1, "10.00"),
            _placement(1, "5.00", source=Source.PIPELINE),
            _placement(1, "7.00", currency="EUR"),
            _placement(2, "1.00"),
        ],
        today=TODAY,
    )

    assert [currency.currency for currency in tally] == ["EUR", "GBP"]
    gbp = tally[1]
    assert gbp.weeks[0].by_source[Source.INVOICED] == Decimal("10.00")
    assert gbp.weeks[0].total == Decimal("15.00")
    assert gbp.total == Decimal("16.00")
    assert tally[0].total == Decimal("7.00")
    assert len(gbp.weeks) == 13
    assert (gbp.weeks[12].starts_on, gbp.weeks[12].ends_on) == (date(2026, 5, 25), date(2026, 5, 31))


def test_the_tallest_week_fills_the_chart_and_segments_stack_upwards():
    tally = forecast_tally(
        placements=[_placement(1, "30.00"), _placement(1, "10.00", source=Source.PIPELINE), _placement(2, "20.00")],
        today=TODAY,
    )[0]

    bars = chart_bars(forecast=tally)

    first = bars[0].segments
    assert [segment.source for segment in first] == [Source.INVOICED, Source.PIPELINE]
    assert first[0].height + first[1].height == CHART_HEIGHT
    assert first[1].y == 0
    assert bars[1].segments[0].height == CHART_HEIGHT / 2
    assert bars[2].segments == ()


def test_stored_payment_terms_give_the_due_date_of_an_invoice_dated_the_close_date():
    assert opportunity_expected_on(
        close_on=date(2026, 3, 20), payment_terms_days=30, today=TODAY, terms=(20, "OFFOLLOWINGMONTH")
    ) == date(2026, 4, 20)
    assert opportunity_expected_on(
        close_on=date(2026, 2, 1), payment_terms_days=30, today=TODAY, terms=(7, "DAYSAFTERBILLDATE")
    ) == TODAY + timedelta(days=7)
