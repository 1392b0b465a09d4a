"""The cash-in forecast of the user's teams, read in four queries whatever the number of documents.

Contacts are reached through `contacts_visible_to` and deals through `opportunities_visible_to`, so another
team's figures never show. Each customer's lateness (the average days past due of their payments over the 365
days up to today) is averaged in SQL, grouped by customer, for the customers with open invoices. The arithmetic
is in `forecast.rules`; amounts stay in their own currency and are summed per currency only.

Payment terms: an open opportunity's money is expected when an invoice dated its close date would fall due under
its contact's own payment terms (`Contact.payment_terms_*`, Xero's Contact.PaymentTerms.Sales, kept in step with
Xero by field ownership), else the sales payment terms the sync stores for the contact's accounting organisation
(`Organisation.sales_terms_*`, Xero's Organisation.PaymentTerms.Sales): the organisation the contact has invoices
in, else the only organisation there is. Without either, `settings.FORECAST_PAYMENT_TERMS_DAYS` (30 by default)
after the close date.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, BigIntegerField, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from contacts.models import Contact
from contacts.selectors import contacts_visible_to
from forecast.chart import Bar, chart_bars
from forecast.rules import (
    WEEKS,
    CurrencyForecast,
    Item,
    Placement,
    Source,
    forecast_tally,
    invoice_placements,
    opportunity_expected_on,
    week_of,
    week_starts_on,
    weighted,
    whole_days,
)
from invoices.models import Invoice, Organisation, Payment
from invoices.overdue import outstanding_filter
from invoices.payment_record import DaysBetween
from invoices.terms import terms_label
from opportunities.models import Instalment, Opportunity
from opportunities.selectors import NOT_BILLING, opportunities_visible_to

LATENESS_WINDOW_DAYS = 365


@dataclass(frozen=True, slots=True)
class CurrencyChart:
    forecast: CurrencyForecast
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class WeekDetail:
    """What makes up one week's figures, by currency, source and amount (largest first)."""

    week: int
    starts_on: date
    ends_on: date
    placements: tuple[Placement, ...]


@dataclass(frozen=True, slots=True)
class CashForecast:
    """The forecast as of `today`: per currency, 13 weeks by source, and every placement behind the figures."""

    today: date
    payment_terms_days: int
    currencies: tuple[CurrencyChart, ...]
    placements: tuple[Placement, ...]

    def week(self, week: int) -> WeekDetail:
        """What makes up the figures of week `week` (1 to 13)."""
        found = [placement for placement in self.placements if placement.week == week]
        order = list(Source)
        starts_on = week_starts_on(week=week, today=self.today)
        return WeekDetail(
            week=week,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=6),
            placements=tuple(
                sorted(found, key=lambda p: (p.item.currency, order.index(p.item.source), -p.amount, p.item.label))
            ),
        )


def customer_lateness(*, contacts: QuerySet[Contact], today: date) -> dict[int, Decimal]:
    """Per contact id: the average days after the due date of the contact's authorised payments on sales invoices
    paid in the 365 days up to `today` (negative for early payers), averaged in SQL in one grouped query.
    Contacts without such payments are absent."""
    averages = (
        Payment.objects.filter(
            status=Payment.Status.AUTHORISED,
            invoice__contact__in=contacts,
            invoice__type=Invoice.Type.ACCREC,
            invoice__status__in=[Invoice.Status.AUTHORISED, Invoice.Status.PAID],
            invoice__due_on__isnull=False,
            paid_on__gt=today - timedelta(days=LATENESS_WINDOW_DAYS),
            paid_on__lte=today,
        )
        .values("invoice__contact_id")
        .order_by("invoice__contact_id")
        .annotate(days=Avg(DaysBetween(F("paid_on"), F("invoice__due_on"))))
        .values_list("invoice__contact_id", "days")
    )
    # PostgreSQL averages to a Decimal; SQLite (the demo) to a float, read through its shortest repr.
    return {contact_id: Decimal(str(days)) for contact_id, days in averages}


def _payment_terms_days() -> int:
    """The days after the close date for an opportunity whose organisation stores no payment terms."""
    return settings.FORECAST_PAYMENT_TERMS_DAYS


def _with_organisation_terms(deals: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    """`deals`, each annotated (in the same query) with the sales payment terms of its contact's organisation:
    `terms_day`, `terms_type` ("" when none) and `terms_of` (the organisation's name)."""
    home = Invoice.objects.filter(contact_id=OuterRef("contact_id")).order_by("organisation_id")
    sole = Organisation.objects.filter(~Exists(Organisation.objects.exclude(pk=OuterRef("pk"))))
    terms_org = Organisation.objects.filter(pk=OuterRef("terms_organisation_id"))
    return deals.annotate(
        terms_organisation_id=Coalesce(
            Subquery(home.values("organisation_id")[:1]),
            Subquery(sole.values("pk")[:1]),
            output_field=BigIntegerField(),
        ),
        terms_day=Subquery(terms_org.values("sales_terms_day")[:1]),
        terms_type=Subquery(terms_org.values("sales_terms_type")[:1]),
        terms_of=Subquery(terms_org.values("name")[:1]),
    )


def _days(count: int) -> str:
    return "1 day" if abs(count) == 1 else f"{abs(count)} days"


def _invoice_placements(*, user: User, today: date) -> list[Placement]:
    visible = contacts_visible_to(user=user)
    rows = (
        Invoice.objects.filter(outstanding_filter(), contact__in=visible)
        .values_list("number", "xero_id", "due_on", "currency_code", "amount_due", "contact_id", "contact__name")
        .order_by("due_on", "pk")
    )
    owing = visible.filter(outstanding_filter(prefix="invoices__"))
    lateness_of = customer_lateness(contacts=owing, today=today)
    placements = []
    for number, xero_id, due_on, currency, amount_due, contact_id, contact_name in rows:
        lateness = lateness_of.get(contact_id)
        days = whole_days(lateness)
        source, weeks = invoice_placements(due_on=due_on, lateness=lateness, amount=amount_due, today=today)
        if lateness is None:
            basis = "no payment history: on the due date"
        elif days == 0:
            basis = "pays on the due date on average"
        else:
            basis = f"pays {_days(days)} {'late' if days > 0 else 'early'} on average"
        if source is Source.OVERDUE and len(weeks) > 1:
            basis += f"; already later than that, spread over {len(weeks)} weeks"
        item = Item(
            source=source,
            currency=currency,
            amount=amount_due,
            label=number or xero_id,
            contact_id=contact_id,
            contact_name=contact_name,
            opportunity_id=None,
            due_on=due_on,
            basis=basis,
        )
        placements += [Placement(week=week, amount=amount, item=item) for week, amount in weeks]
    return placements


def _instalment_placements(*, user: User, today: date, horizon: date) -> list[Placement]:
    won = opportunities_visible_to(user=user).filter(outcome=Opportunity.Outcome.WON)
    # An instalment whose invoice bills the customer is an open invoice (or paid) and is counted there; one whose
    # invoice is still a draft, or was voided, is not billed yet (as its status says), so it stays here.
    not_billed = Q(invoice__isnull=True) | Q(invoice__status__in=NOT_BILLING)
    instalments = (
        Instalment.objects.filter(not_billed, plan__opportunity__in=won, due_on__lt=horizon)
        .select_related("plan__opportunity__contact", "invoice")
        .order_by("due_on", "pk")
    )
    placements = []
    for instalment in instalments:
        opportunity = instalment.plan.opportunity
        item = Item(
            source=Source.INSTALMENTS,
            currency=instalment.currency_code,
            amount=instalment.amount,
            label=f"{opportunity.name}: instalment {instalment.position}",
            contact_id=opportunity.contact_id,
            contact_name=opportunity.contact.name,
            opportunity_id=opportunity.pk,
            due_on=instalment.due_on,
            basis=(
                "not yet invoiced"
                if instalment.invoice is None
                else f"its invoice {instalment.invoice} is {instalment.invoice.get_status_display().lower()}"
            )
            + ": on its due date"
            + (" (passed: this week)" if instalment.due_on < today else ""),
        )
        placements.append(
            Placement(week=week_of(on=instalment.due_on, today=today), amount=instalment.amount, item=item)
        )
    return placements


def _pipeline_placements(*, user: User, today: date, horizon: date, terms: int) -> list[Placement]:
    deals = _with_organisation_terms(
        opportunities_visible_to(user=user)
        .filter(
            outcome=Opportunity.Outcome.OPEN,
            expected_close_date__isnull=False,
            expected_close_date__lt=horizon,  # any terms put the money after the close date
            value__gt=0,
        )
        .select_related("contact", "milestone")
        .order_by("expected_close_date", "pk")
    )
    placements = []
    for deal in deals:
        contact = deal.contact
        if contact.payment_terms_type and contact.payment_terms_day is not None:
            stored, whose = (contact.payment_terms_day, contact.payment_terms_type), f"{contact.name}'s own terms"
        elif deal.terms_type and deal.terms_day is not None:
            stored, whose = (deal.terms_day, deal.terms_type), f"{deal.terms_of}'s terms"
        else:
            stored, whose = None, ""
        expected_on = opportunity_expected_on(
            close_on=deal.expected_close_date, payment_terms_days=terms, today=today, terms=stored
        )
        week = week_of(on=expected_on, today=today)
        amount = weighted(value=deal.value, probability=deal.milestone.probability)
        if week is None or amount <= 0:
            continue
        item = Item(
            source=Source.PIPELINE,
            currency=deal.currency_code,
            amount=amount,
            label=deal.name,
            contact_id=deal.contact_id,
            contact_name=deal.contact.name,
            opportunity_id=deal.pk,
            due_on=deal.expected_close_date,
            basis=f"{deal.value} at {deal.milestone.probability}% ({deal.milestone.name}), "
            + (
                f"invoiced on its closing date, due on {whose}: {terms_label(day=stored[0], terms_type=stored[1])}"
                if stored
                else f"closing date + {terms} days' terms"
            ),
        )
        placements.append(Placement(week=week, amount=amount, item=item))
    return placements


def cash_forecast(*, user: User, today: date) -> CashForecast:
    """The cash expected per currency in each of the 13 weeks from `today`, from the four sources described in
    `forecast.rules`, for the contacts and opportunities the user may see. Four queries."""
    horizon = today + timedelta(days=7 * WEEKS)
    terms = _payment_terms_days()
    placements = (
        _invoice_placements(user=user, today=today)
        + _instalment_placements(user=user, today=today, horizon=horizon)
        + _pipeline_placements(user=user, today=today, horizon=horizon, terms=terms)
    )
    tallies = forecast_tally(placements=placements, today=today)
    return CashForecast(
        today=today,
        payment_terms_days=terms,
        currencies=tuple(CurrencyChart(forecast=tally, bars=chart_bars(forecast=tally)) for tally in tallies),
        placements=tuple(placements),
    )
