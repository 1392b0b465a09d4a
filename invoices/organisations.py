"""Each organisation's own local date and base currency, as the invoice reads need them in SQL.

"Today" differs between organisations (Auckland is a day ahead of London for half of each day), so every overdue
or ageing condition is built per organisation from its own date.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfoNotFoundError

from django.db.models import (
    Aggregate,
    Case,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from invoices.models import Organisation
from invoices.overdue import org_today, outstanding_filter

logger = logging.getLogger(__name__)

OUTSTANDING = outstanding_filter()
CENTS = Decimal("0.01")
# Wide enough for amount / rate before the one rounding at the end.
EXACT = DecimalField(max_digits=36, decimal_places=12)


@dataclass(frozen=True, slots=True)
class OrgDay:
    """One organisation and its local date at the instant a page is read."""

    id: int
    name: str
    short_code: str
    base_currency: str
    today: date


def _today_of(*, organisation_id: int, timezone_name: str, now: datetime) -> date:
    """The organisation's local date; an unknown zone name is logged and read as UTC rather than failing a page."""
    try:
        return org_today(now=now, timezone_name=timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        if now.tzinfo is None:
            raise
        logger.warning("Unknown organisation timezone, using UTC", extra={"organisation_id": organisation_id})
        return org_today(now=now, timezone_name="")


def org_days(organisations: QuerySet[Organisation], *, now: datetime) -> dict[int, OrgDay]:
    """The organisations with each one's local date, ordered by name (one query)."""
    rows = organisations.order_by("name", "pk").values_list("pk", "name", "short_code", "base_currency", "timezone")
    return {
        pk: OrgDay(pk, name, short_code, base, _today_of(organisation_id=pk, timezone_name=zone, now=now))
        for pk, name, short_code, base, zone in rows
    }


def organisation_todays(*, organisation_ids: Iterable[int], now: datetime) -> dict[int, date]:
    """Each organisation's local date at instant `now`, by organisation id (one query; unknown zones read as UTC)."""
    organisations = Organisation.objects.filter(pk__in=organisation_ids)
    return {org.id: org.today for org in org_days(organisations, now=now).values()}


def per_org(orgs: dict[int, OrgDay], condition: Callable[[date], Q], *, field: str = "organisation_id") -> Q:
    """`condition(today)` with each organisation's own today, for its own rows; never true without organisations."""
    return reduce(or_, (Q(**{field: org.id}) & condition(org.today) for org in orgs.values()), Q(pk__in=[]))


def overdue_condition(orgs: dict[int, OrgDay]) -> Q:
    """Outstanding sales invoices past their due date, each by its own organisation's today."""
    return OUTSTANDING & per_org(orgs, lambda today: Q(due_on__lt=today))


def in_base(amount_field: str, condition: Q) -> Aggregate:
    """The sum of `amount_field` over rows matching `condition`, each converted by its own CurrencyRate into its
    organisation's base currency, unrounded."""
    rate = Coalesce("currency_rate", Value(Decimal(1)), output_field=EXACT)
    # SQLite (the demo database) keeps whole amounts as integers and would divide them as integers; the "* 1.0"
    # makes that a real division there and changes nothing on PostgreSQL, where both sides are numeric.
    amount = ExpressionWrapper(F(amount_field) * Value(Decimal("1.0")), output_field=EXACT)
    return Sum(amount / rate, filter=condition, output_field=EXACT)


def org_today_expression(orgs: dict[int, OrgDay]) -> Case:
    """Each row's organisation's local date, as an SQL expression."""
    return Case(
        *(When(organisation_id=org.id, then=Value(org.today)) for org in orgs.values()), output_field=DateField()
    )


def round_cents(amount: Decimal | None) -> Decimal | None:
    """Rounded half up to 2 places, once, at the end of a base-currency sum."""
    return amount.quantize(CENTS, rounding=ROUND_HALF_UP) if amount is not None else None
