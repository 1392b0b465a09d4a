"""The cash-in forecast's arithmetic: pure functions of dates and Decimal amounts, with "today" passed in.

Week 1 is today and the six days after it; week N starts 7 * (N - 1) days after today. Nothing is expected
before today: an expected date in the past is read as today, except for overdue invoices, which are spread
(see `overdue_placements`). What is expected after week 13 is left out of the forecast.

The four sources and where each amount lands:
- an open invoice (not yet due): its amount due on its due date plus the customer's average lateness;
- an overdue invoice: on its due date plus the customer's average lateness if that is still ahead; when even
  that date has passed (the customer is later than usual), spread evenly over the next
  `max(OVERDUE_SPREAD_MIN_WEEKS, ceil(lateness / 7))` weeks (at most 13): a customer who is usually a month late
  is spread wider than one who is usually on time;
- an instalment not yet invoiced: its amount on its due date;
- an open opportunity: its value times its milestone's probability, when an invoice dated its expected close date
  would fall due under the payment terms (the organisation's stored terms, else FORECAST_PAYMENT_TERMS_DAYS).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from invoices.terms import due_date

WEEKS = 13
OVERDUE_SPREAD_MIN_WEEKS = 4
CENTS = Decimal("0.01")


class Source(StrEnum):
    """Where an expected amount comes from; the chart stacks them in this order."""

    INVOICED = "invoiced"
    OVERDUE = "overdue"
    INSTALMENTS = "instalments"
    PIPELINE = "pipeline"

    @property
    def label(self) -> str:
        return {
            "invoiced": "Invoiced",
            "overdue": "Overdue",
            "instalments": "Instalments",
            "pipeline": "Pipeline (weighted)",
        }[self.value]


SOURCES = tuple(Source)


def week_of(*, on: date, today: date) -> int | None:
    """The 1-based forecast week holding date `on` (a date before today counts as today), or None after week 13."""
    week = max((on - today).days, 0) // 7 + 1
    return week if week <= WEEKS else None


def week_starts_on(*, week: int, today: date) -> date:
    """The first day of a 1-based forecast week."""
    return today + timedelta(days=7 * (week - 1))


def whole_days(lateness: Decimal | None) -> int:
    """A customer's average lateness in whole days, rounded half up (None, no history, is 0 days)."""
    if lateness is None:
        return 0
    return int(lateness.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def invoice_expected_on(*, due_on: date, lateness: Decimal | None) -> date:
    """When an invoice is expected to be paid: its due date shifted by the customer's average lateness (negative
    for early payers; None when the customer has no history, so on the due date)."""
    return due_on + timedelta(days=whole_days(lateness))


def opportunity_expected_on(
    *, close_on: date, payment_terms_days: int, today: date, terms: tuple[int, str] | None = None
) -> date:
    """When an open opportunity's money is expected: the due date of an invoice dated its close date (today if
    that has passed) under the stored payment terms `terms` (Xero's day and PaymentTermType, see
    invoices/terms.py), or without them `payment_terms_days` after that date."""
    issued_on = max(close_on, today)
    if terms is not None:
        return due_date(issued_on=issued_on, day=terms[0], terms_type=terms[1])
    return issued_on + timedelta(days=payment_terms_days)


def weighted(*, value: Decimal, probability: int) -> Decimal:
    """The value times the probability (a percentage), to the cent, rounded half up."""
    return (value * probability / 100).quantize(CENTS, rounding=ROUND_HALF_UP)


def spread_evenly(*, amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` split into `parts` cent amounts that add up to it exactly; the last part takes the remainder."""
    share = (amount / parts).quantize(CENTS, rounding=ROUND_HALF_UP)
    return [share] * (parts - 1) + [amount - share * (parts - 1)]


def overdue_placements(
    *, due_on: date, lateness: Decimal | None, amount: Decimal, today: date
) -> list[tuple[int, Decimal]]:
    """(week, amount) pairs for an overdue invoice's amount due (see the module docstring for the rule).

    On the customer's usual date if it is today or later; otherwise spread evenly from week 1 over
    max(OVERDUE_SPREAD_MIN_WEEKS, ceil(lateness / 7)) weeks, at most WEEKS.
    """
    expected = invoice_expected_on(due_on=due_on, lateness=lateness)
    if expected >= today:
        week = week_of(on=expected, today=today)
        return [(week, amount)] if week else []
    weeks = min(WEEKS, max(OVERDUE_SPREAD_MIN_WEEKS, math.ceil(max(whole_days(lateness), 0) / 7)))
    return list(enumerate(spread_evenly(amount=amount, parts=weeks), start=1))


@dataclass(frozen=True, slots=True)
class Item:
    """One document or deal that the forecast expects money from (for the drill-down and its links)."""

    source: Source
    currency: str
    amount: Decimal  # what is expected in total (weighted for an opportunity)
    label: str  # invoice number, "Instalment 2", or the opportunity's name
    contact_id: int | None
    contact_name: str
    opportunity_id: int | None
    due_on: date | None  # the invoice's or instalment's due date; the close date for an opportunity
    basis: str  # how its date was reached, in words


@dataclass(frozen=True, slots=True)
class Placement:
    """Part (or all) of an item's amount, expected in one week."""

    week: int
    amount: Decimal
    item: Item


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """One week in one currency: the amount expected from each source, and their total."""

    week: int
    starts_on: date
    ends_on: date
    by_source: dict[Source, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.by_source.values(), Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class CurrencyForecast:
    """The 13 weeks of one currency (currencies are never added together)."""

    currency: str
    weeks: tuple[WeekFigures, ...]

    @property
    def total(self) -> Decimal:
        return sum((week.total for week in self.weeks), Decimal("0.00"))

    @property
    def by_source(self) -> dict[Source, Decimal]:
        return {source: sum((week.by_source[source] for week in self.weeks), Decimal("0.00")) for source in SOURCES}


def forecast_tally(*, placements: Iterable[Placement], today: date) -> tuple[CurrencyForecast, ...]:
    """Per currency (sorted by code), the sum of the placements in each of the 13 weeks and each source."""
    sums: dict[str, dict[tuple[int, Source], Decimal]] = {}
    for placement in placements:
        per_currency = sums.setdefault(placement.item.currency, {})
        key = (placement.week, placement.item.source)
        per_currency[key] = per_currency.get(key, Decimal("0.00")) + placement.amount
    return tuple(
        CurrencyForecast(
            currency=currency,
            weeks=tuple(
                WeekFigures(
                    week=week,
                    starts_on=week_starts_on(week=week, today=today),
                    ends_on=week_starts_on(week=week, today=today) + timedelta(days=6),
                    by_source={source: sums[currency].get((week, source), Decimal("0.00")) for source in SOURCES},
                )
                for week in range(1, WEEKS + 1)
            ),
        )
        for currency in sorted(sums)
    )


def invoice_placements(
    *, due_on: date | None, lateness: Decimal | None, amount: Decimal, today: date
) -> tuple[Source, list[tuple[int, Decimal]]]:
    """The source (open or overdue) and (week, amount) pairs of an unpaid invoice's amount due.

    An invoice without a due date is read as due today.
    """
    due = due_on or today
    if due < today:
        return Source.OVERDUE, overdue_placements(due_on=due, lateness=lateness, amount=amount, today=today)
    week = week_of(on=invoice_expected_on(due_on=due, lateness=lateness), today=today)
    return Source.INVOICED, [(week, amount)] if week else []
