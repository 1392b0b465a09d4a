"""Reads of what customers owe across the CRM, for the dashboard: the overdue accounts and the receivables by
currency, age and organisation. Contacts are reached only through `contacts_visible_to`; money is summed per
currency, never across currencies."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, QuerySet, Sum

from accounts.models import User
from contacts.models import Contact
from contacts.selectors import contacts_visible_to
from invoices.models import Invoice, Organisation
from invoices.money import Totals, totals_merge
from invoices.organisations import (
    OUTSTANDING,
    OrgDay,
    in_base,
    org_days,
    org_today_expression,
    overdue_condition,
    per_org,
    round_cents,
)
from invoices.overdue import days_overdue


@dataclass(frozen=True, slots=True)
class OverdueAccount:
    """A customer with overdue sales invoices, for the dashboard (`contact.owner` is loaded)."""

    contact: Contact
    overdue: Totals
    oldest_days_overdue: int
    invoice_count: int

    @property
    def owner(self) -> User | None:
        return self.contact.owner


def overdue_accounts(
    *, user: User, now: datetime, limit: int | None = None, orgs: dict[int, OrgDay] | None = None
) -> list[OverdueAccount]:
    """Visible contacts with overdue sales invoices, longest overdue first (then by name); the first `limit` of
    them when given. Four queries, and the ranking is done in SQL, so a dashboard showing ten accounts does not
    load every overdue customer.

    Overdue is judged with each organisation's local date; amounts are per currency across organisations. `orgs`
    (every organisation's `org_days` at `now`) saves reading them again when the caller has them.
    """
    orgs = org_days(Organisation.objects.all(), now=now) if orgs is None else orgs
    overdue = Invoice.objects.filter(overdue_condition(orgs), contact__in=contacts_visible_to(user=user))
    if limit is not None:
        chosen = _longest_overdue_first(overdue, orgs, limit=limit)
    else:
        ranked = (
            overdue.values("contact_id")
            .annotate(
                longest=Max(ExpressionWrapper(org_today_expression(orgs) - F("due_on"), output_field=DurationField()))
            )
            .order_by("-longest", "contact__name", "contact_id")
            .values_list("contact_id", flat=True)
        )
        chosen = list(ranked)
    groups = (
        overdue.filter(contact_id__in=chosen)
        .values("contact_id", "organisation_id", "currency_code")
        .order_by("contact_id", "organisation_id", "currency_code")
        .annotate(amount=Sum("amount_due"), oldest_due_on=Min("due_on"), count=Count("pk"))
    )
    per_contact: dict[int, list[dict]] = {}
    for group in groups:
        per_contact.setdefault(group["contact_id"], []).append(group)
    contacts = Contact.objects.select_related("owner").in_bulk(chosen)
    return [
        OverdueAccount(
            contact=contacts[contact_id],
            overdue=totals_merge({group["currency_code"]: group["amount"]} for group in per_contact[contact_id]),
            oldest_days_overdue=max(
                days_overdue(
                    due_date=group["oldest_due_on"],
                    amount_due=group["amount"],
                    today=orgs[group["organisation_id"]].today,
                )
                for group in per_contact[contact_id]
            ),
            invoice_count=sum(group["count"] for group in per_contact[contact_id]),
        )
        for contact_id in chosen
    ]


_WALK_ROWS = 200


def _longest_overdue_first(overdue: QuerySet[Invoice], orgs: dict[int, OrgDay], *, limit: int) -> list[int]:
    """The first `limit` contacts of the ranking (longest overdue, then name, then id), without ranking them all.

    Each organisation's overdue invoices are read oldest due date first (the outstanding invoices' index by
    organisation and due date), 200 at a time, until `limit` contacts are found and every contact tied with the
    last of them too. A contact's place is its longest overdue in any organisation, so the overall first `limit`
    are among each organisation's first `limit`.
    """
    longest: dict[int, int] = {}
    for org in orgs.values():
        rows = (
            overdue.filter(organisation_id=org.id).order_by("due_on", "contact_id").values_list("contact_id", "due_on")
        )
        found: dict[int, int] = {}
        boundary = None
        for start in itertools.count(0, _WALK_ROWS):
            page = list(rows[start : start + _WALK_ROWS])
            for contact_id, due_on in page:
                days = (org.today - due_on).days
                if boundary is not None and days < boundary:
                    break
                found.setdefault(contact_id, days)
                if boundary is None and len(found) == limit:
                    boundary = days  # the last place: contacts tied with it still count
            else:
                if len(page) == _WALK_ROWS:
                    continue
            break
        for contact_id, days in found.items():
            longest[contact_id] = max(days, longest.get(contact_id, days))
    # Ties are broken by name as the database sorts them (its collation), then by id.
    by_name = {
        pk: place
        for place, pk in enumerate(
            Contact.objects.filter(pk__in=longest).order_by("name", "pk").values_list("pk", flat=True)
        )
    }
    return sorted(longest, key=lambda pk: (-longest[pk], by_name[pk]))[:limit]


AGE_BUCKETS = (
    ("current", "Not yet due"),
    ("1-30", "1-30 days"),
    ("31-60", "31-60 days"),
    ("61-90", "61-90 days"),
    ("90+", "Over 90 days"),
)


def _age_condition(bucket: str, today: date) -> Q:
    """Rows of `bucket`, judged by days overdue = today - due date (no due date counts as not yet due)."""
    if bucket == "current":
        return Q(due_on__gte=today) | Q(due_on__isnull=True)
    if bucket == "90+":
        return Q(due_on__lt=today - timedelta(days=90))
    low, high = (int(part) for part in bucket.split("-"))
    return Q(due_on__gte=today - timedelta(days=high), due_on__lte=today - timedelta(days=low))


@dataclass(frozen=True, slots=True)
class AgeBucket:
    key: str
    label: str
    amount: Decimal
    share: Decimal  # percent of the currency's outstanding, for the chart
    offset: Decimal  # percent taken by the buckets before it, where its bar starts


@dataclass(frozen=True, slots=True)
class CurrencyReceivables:
    currency: str
    outstanding: Decimal
    overdue: Decimal
    ages: tuple[AgeBucket, ...]


@dataclass(frozen=True, slots=True)
class OrganisationReceivables:
    name: str
    base_currency: str
    outstanding_in_base: Decimal | None
    overdue_in_base: Decimal | None


@dataclass(frozen=True, slots=True)
class Receivables:
    by_currency: tuple[CurrencyReceivables, ...]
    by_organisation: tuple[OrganisationReceivables, ...]


def _sum_rows(rows: list[dict], key: str) -> Decimal | None:
    values = [row[key] for row in rows if row[key] is not None]
    return sum(values, Decimal(0)) if values else None


def receivables(*, user: User, now: datetime, orgs: dict[int, OrgDay] | None = None) -> Receivables:
    """What the user's teams' customers owe: per currency (never summed across currencies) with aged buckets,
    and per organisation in its base currency. Two queries whatever the number of invoices: the outstanding
    invoices are read once, grouped by organisation and currency, and added up per currency and per organisation
    here (sums of exact decimals, so the figures are those of summing in SQL). `orgs` as in `overdue_accounts`."""
    orgs = org_days(Organisation.objects.all(), now=now) if orgs is None else orgs
    owed = Invoice.objects.filter(OUTSTANDING, contact__in=contacts_visible_to(user=user))
    ages = {key: Sum("amount_due", filter=per_org(orgs, partial(_age_condition, key))) for key, _ in AGE_BUCKETS}
    # Every row is outstanding already, so overdue needs only the due date: with no other column named, PostgreSQL
    # reads the rows from the outstanding invoices' covering index alone.
    past_due = per_org(orgs, lambda today: Q(due_on__lt=today))
    groups = list(
        owed.values("organisation_id", "currency_code")
        .order_by()
        .annotate(
            outstanding=Sum("amount_due"),
            overdue=Sum("amount_due", filter=past_due),
            **ages,
            outstanding_base=in_base("amount_due", Q()),
            overdue_base=in_base("amount_due", past_due),
        )
    )
    by_currency: dict[str, list[dict]] = {}
    by_organisation: dict[int, list[dict]] = {}
    for group in groups:
        by_currency.setdefault(group["currency_code"], []).append(group)
        by_organisation.setdefault(group["organisation_id"], []).append(group)
    per_currency = [
        {"currency_code": currency, **{key: _sum_rows(rows, key) for key in ("outstanding", "overdue", *ages)}}
        for currency, rows in sorted(by_currency.items())
    ]
    zero = Decimal("0.00")
    return Receivables(
        by_currency=tuple(
            CurrencyReceivables(
                currency=row["currency_code"],
                outstanding=row["outstanding"],
                overdue=row["overdue"] or zero,
                ages=_aged(row),
            )
            for row in per_currency
        ),
        by_organisation=tuple(
            OrganisationReceivables(
                name=org.name,
                base_currency=org.base_currency,
                outstanding_in_base=round_cents(_sum_rows(by_organisation[org.id], "outstanding_base")),
                overdue_in_base=round_cents(_sum_rows(by_organisation[org.id], "overdue_base")),
            )
            for org in orgs.values()
            if org.id in by_organisation
        ),
    )


def _aged(row: dict) -> tuple[AgeBucket, ...]:
    buckets, offset = [], Decimal(0)
    for key, label in AGE_BUCKETS:
        amount = row[key] or Decimal("0.00")
        share = (amount * 100 / row["outstanding"]).quantize(Decimal("0.1"))
        buckets.append(AgeBucket(key=key, label=label, amount=amount, share=share, offset=offset))
        offset += share
    return tuple(buckets)
