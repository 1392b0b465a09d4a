"""The backtest's own arithmetic (bench/forecast_backtest.py), without a database."""

from datetime import date
from decimal import Decimal

from bench.forecast_backtest import SimInvoice, absolute_errors, actual_weeks, naive_weeks, simulate

AS_OF = date(2026, 6, 1)


def _invoice(due_on, paid_on, amount="100"):
    return SimInvoice(
        customer=0,
        habit="x",
        number="BT-1",
        issued_on=date(2026, 1, 1),
        due_on=due_on,
        paid_on=paid_on,
        amount=Decimal(amount),
    )


def test_the_naive_forecast_puts_overdue_invoices_in_week_one_and_others_on_their_due_date():
    invoices = [_invoice(date(2026, 5, 1), date(2026, 6, 20)), _invoice(date(2026, 6, 9), date(2026, 6, 30))]

    naive = naive_weeks(invoices, as_of=AS_OF)

    assert naive[:3] == [Decimal("100"), Decimal("100"), Decimal(0)]


def test_only_invoices_open_on_the_date_count_and_they_count_when_paid():
    invoices = [_invoice(date(2026, 5, 1), date(2026, 5, 20)), _invoice(date(2026, 5, 1), date(2026, 6, 16))]

    actual = actual_weeks(invoices, as_of=AS_OF)

    assert sum(actual) == Decimal("100")
    assert actual[2] == Decimal("100")


def test_errors_are_absolute_per_week():
    assert absolute_errors([Decimal(5), Decimal(1)], [Decimal(2), Decimal(4)]) == [Decimal(3), Decimal(3)]


def test_the_simulation_is_repeatable_and_issues_only_before_the_date():
    first, second = simulate(customers=8, seed=3, as_of=AS_OF), simulate(customers=8, seed=3, as_of=AS_OF)

    assert first == second
    assert all(invoice.issued_on < AS_OF for invoice in first)
