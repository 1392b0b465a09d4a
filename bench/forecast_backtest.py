"""`python -m bench.forecast_backtest`: backtest the cash-in forecast (issue 16) against a naive one.

Generates, directly in a fresh PostgreSQL database (no Xero), one organisation whose customers pay with known
habits: some always around the due date, some about 20 days late, some about 45 days late, some at random
(0 to 45 days late). Every customer is invoiced every 10 to 35 days on 30-day terms for the 400 days before the
backtest date. The database then holds what Xero would have held on that date: invoices issued before it,
payments made before it (settled invoices PAID), the rest AUTHORISED with their amount due.

The forecast (`forecast.selectors.cash_forecast`) is run as of that date, and compared week by week with the
payments that then arrived for the invoices open on that date (invoices issued later are unknown to both
forecasts, so neither is charged for them). The naive forecast puts every open invoice on its due date (an
overdue one in week 1). Prints the table of absolute errors per week and in total, and rewrites the "Cash-in
forecast backtest" block of docs/BENCHMARKS.md (unless --no-write). Exits 1 if ours does not beat the naive one.
"""

import argparse
import os
import random
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import django

from bench.environment import database_recreate
from bench.report import grid, grid_plain

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/capsync_forecast_backtest"
AS_OF = date(2026, 6, 1)
HISTORY_DAYS = 400
TERMS_DAYS = 30
WEEKS = 13  # forecast.rules.WEEKS (imported only after django.setup())
BLOCK_START, BLOCK_END = "<!-- bench:forecast:start -->", "<!-- bench:forecast:end -->"


@dataclass(frozen=True)
class Habit:
    name: str
    days_late: Callable[[random.Random], int]


HABITS = (
    Habit("on time (-3 to +1 days)", lambda rng: rng.randint(-3, 1)),
    Habit("about 20 days late (sd 4)", lambda rng: round(rng.gauss(20, 4))),
    Habit("about 45 days late (sd 7)", lambda rng: round(rng.gauss(45, 7))),
    Habit("random (0 to 45 days late)", lambda rng: rng.randint(0, 45)),
)


@dataclass(frozen=True)
class SimInvoice:
    customer: int
    habit: str
    number: str
    issued_on: date
    due_on: date
    paid_on: date
    amount: Decimal


def simulate(*, customers: int, seed: int, as_of: date) -> list[SimInvoice]:
    """Invoices issued before `as_of` to `customers` customers (habits in turn), each with the date it is paid."""
    rng = random.Random(seed)
    invoices = []
    for customer in range(customers):
        habit = HABITS[customer % len(HABITS)]
        issued_on = as_of - timedelta(days=HISTORY_DAYS - rng.randint(0, 30))
        while issued_on < as_of:
            due_on = issued_on + timedelta(days=TERMS_DAYS)
            paid_on = due_on + timedelta(days=habit.days_late(rng))
            invoices.append(
                SimInvoice(
                    customer=customer,
                    habit=habit.name,
                    number=f"BT-{len(invoices) + 1:05d}",
                    issued_on=issued_on,
                    due_on=due_on,
                    paid_on=max(paid_on, issued_on),
                    amount=Decimal(rng.randint(200, 5000)),
                )
            )
            issued_on += timedelta(days=rng.randint(10, 35))
    return invoices


def week_index(*, on: date, as_of: date) -> int | None:
    """The 1-based week of `on` from `as_of` (earlier dates in week 1), None after week 13 (as forecast.rules)."""
    week = max((on - as_of).days, 0) // 7 + 1
    return week if week <= WEEKS else None


def weekly(amounts: Iterable[tuple[date, Decimal]], *, as_of: date) -> list[Decimal]:
    """The amounts summed into the 13 weeks from `as_of`; amounts after week 13 are left out."""
    weeks = [Decimal(0)] * WEEKS
    for on, amount in amounts:
        week = week_index(on=on, as_of=as_of)
        if week:
            weeks[week - 1] += amount
    return weeks


def open_at(invoices: list[SimInvoice], as_of: date) -> list[SimInvoice]:
    return [invoice for invoice in invoices if invoice.paid_on >= as_of]


def actual_weeks(invoices: list[SimInvoice], *, as_of: date) -> list[Decimal]:
    """What the invoices open on `as_of` then brought in, week by week."""
    return weekly(((invoice.paid_on, invoice.amount) for invoice in open_at(invoices, as_of)), as_of=as_of)


def naive_weeks(invoices: list[SimInvoice], *, as_of: date) -> list[Decimal]:
    """Every invoice open on `as_of` on its due date (an overdue one in week 1)."""
    return weekly(((invoice.due_on, invoice.amount) for invoice in open_at(invoices, as_of)), as_of=as_of)


def absolute_errors(forecast: list[Decimal], actual: list[Decimal]) -> list[Decimal]:
    return [abs(guess - real) for guess, real in zip(forecast, actual, strict=True)]


def _store(invoices: list[SimInvoice], *, as_of: date, customers: int):
    """The organisation as Xero would have shown it on `as_of`; returns a member of the customers' team."""
    from accounts.models import Team, User
    from contacts.models import Contact
    from invoices.models import Invoice, Organisation, Payment

    team = Team.objects.create(name="Backtest")
    member = User.objects.create_user(email="backtest@example.com", password=secrets.token_urlsafe(16))
    member.teams.add(team)
    books = Organisation.objects.create(
        name="Backtest Ltd", short_code="!bt", base_currency="GBP", timezone="Europe/London"
    )
    contacts = Contact.objects.bulk_create(
        Contact(kind=Contact.Kind.ORGANISATION, name=f"Customer {number:03d}", team=team) for number in range(customers)
    )
    stamp = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    rows = []
    for invoice in invoices:
        paid = invoice.paid_on < as_of
        rows.append(
            Invoice(
                organisation=books,
                xero_id=f"bt-{invoice.number}",
                contact=contacts[invoice.customer],
                xero_contact_id=f"btc-{invoice.customer}",
                kind="invoice",
                type="ACCREC",
                status="PAID" if paid else "AUTHORISED",
                number=invoice.number,
                issued_on=invoice.issued_on,
                due_on=invoice.due_on,
                currency_code="GBP",
                sub_total=invoice.amount,
                total_tax=Decimal(0),
                total=invoice.amount,
                amount_due=Decimal(0) if paid else invoice.amount,
                amount_paid=invoice.amount if paid else Decimal(0),
                amount_credited=Decimal(0),
                remaining_credit=Decimal(0),
                fully_paid_on=invoice.paid_on if paid else None,
                xero_updated_at=stamp,
                synced_at=stamp,
            )
        )
    stored = Invoice.objects.bulk_create(rows, batch_size=2000)
    Payment.objects.bulk_create(
        (
            Payment(
                invoice=row,
                xero_id=f"btp-{invoice.number}",
                paid_on=invoice.paid_on,
                amount=invoice.amount,
                status="AUTHORISED",
            )
            for row, invoice in zip(stored, invoices, strict=True)
            if invoice.paid_on < as_of
        ),
        batch_size=2000,
    )
    return member


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal(1)):,}"


def table_rows(*, as_of: date, actual: list[Decimal], ours: list[Decimal], naive: list[Decimal]) -> list[list[str]]:
    ours_errors, naive_errors = absolute_errors(ours, actual), absolute_errors(naive, actual)
    rows = [
        [
            f"{index + 1} ({(as_of + timedelta(days=7 * index)):%d %b})",
            _money(actual[index]),
            _money(ours[index]),
            _money(ours_errors[index]),
            _money(naive[index]),
            _money(naive_errors[index]),
        ]
        for index in range(WEEKS)
    ]
    rows.append(
        [
            "Total",
            _money(sum(actual)),
            _money(sum(ours)),
            _money(sum(ours_errors)),
            _money(sum(naive)),
            _money(sum(naive_errors)),
        ]
    )
    return rows


HEADER = ["Week (from)", "Actual (GBP)", "Ours", "Ours: abs. error", "Naive (due date)", "Naive: abs. error"]


def _docs_write(path: Path, body: str) -> None:
    text = path.read_text()
    block = f"{BLOCK_START}\n{body.strip()}\n{BLOCK_END}"
    pattern = re.compile(re.escape(BLOCK_START) + r".*?" + re.escape(BLOCK_END), re.DOTALL)
    text = pattern.sub(lambda _: block, text, count=1) if pattern.search(text) else f"{text.rstrip()}\n\n{block}\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.forecast_backtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=80)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF, help=f"backtest date (default {AS_OF})")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_FORECAST_DATABASE_URL", DATABASE_URL),
        help=f"PostgreSQL database to drop, create and use (default {DATABASE_URL})",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)

    os.environ.update(
        {"DJANGO_SETTINGS_MODULE": "capsync.settings", "DATABASE_URL": args.database_url, "LOG_LEVEL": "WARNING"}
    )
    database_recreate(args.database_url)
    django.setup()
    from django.core.management import call_command

    from forecast.rules import Source
    from forecast.selectors import cash_forecast

    call_command("migrate", verbosity=0, interactive=False)
    invoices = simulate(customers=args.customers, seed=args.seed, as_of=args.as_of)
    member = _store(invoices, as_of=args.as_of, customers=args.customers)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have, so the planner knows the bulk-loaded tables' sizes
    begun = time.perf_counter()
    forecast = cash_forecast(user=member, today=args.as_of)
    forecast_ms = (time.perf_counter() - begun) * 1000
    gbp = next(chart.forecast for chart in forecast.currencies if chart.forecast.currency == "GBP")
    ours = [week.by_source[Source.INVOICED] + week.by_source[Source.OVERDUE] for week in gbp.weeks]
    actual = actual_weeks(invoices, as_of=args.as_of)
    naive = naive_weeks(invoices, as_of=args.as_of)
    rows = table_rows(as_of=args.as_of, actual=actual, ours=ours, naive=naive)
    ours_error, naive_error = sum(absolute_errors(ours, actual)), sum(absolute_errors(naive, actual))
    still_open = len(open_at(invoices, args.as_of))
    summary = (
        f"{args.customers} customers ({len(HABITS)} habits in turn), {len(invoices):,} invoices over "
        f"{HISTORY_DAYS} days, {still_open} open on {args.as_of} (seed {args.seed}). Total absolute error: "
        f"ours {_money(ours_error)}, naive {_money(naive_error)} "
        f"({(ours_error / naive_error * 100).quantize(Decimal(1))}% of the naive error). The forecast took "
        f"{forecast_ms:.0f} ms."
    )
    print(grid_plain(HEADER, rows))
    print(summary)
    if not args.no_write:
        command = "python -m bench.forecast_backtest" + (" " + " ".join(argv) if argv else "")
        _docs_write(args.output, f"`{command}`: {summary}\n\n{grid(HEADER, rows)}")
    return 0 if ours_error < naive_error else 1


if __name__ == "__main__":
    sys.exit(main())
