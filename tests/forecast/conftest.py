"""A hand-worked forecast world for team A, as of Monday 2 March 2026 (week 1 is 2-8 March).

Late Ltd paid two invoices 20 and 10 days late in the last year (15 on average; a 61-day-late payment from
January 2025 is older than 365 days and does not count). New Ltd has never paid. The figures each test expects
are worked out in the docstrings of tests/forecast/test_selectors.py.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from contacts.models import Contact
from opportunities import services
from opportunities.models import Opportunity
from tests.factories import (
    InvoiceFactory,
    LedgerOrganisationFactory,
    MilestoneFactory,
    OpportunityFactory,
    OrganisationFactory,
    PaymentFactory,
)

TODAY = date(2026, 3, 2)


@dataclass(frozen=True)
class ForecastWorld:
    late: Contact
    new: Contact
    won: Opportunity
    proposal: Opportunity


def _open(books, contact, **fields):
    return InvoiceFactory(organisation=books, contact=contact, **fields)


def _paid(contact, books, *, due_on, paid_on, amount=Decimal("100.00")):
    invoice = InvoiceFactory(
        organisation=books,
        contact=contact,
        status="PAID",
        due_on=due_on,
        sub_total=amount,
        amount_paid=amount,
        fully_paid_on=paid_on,
    )
    PaymentFactory(invoice=invoice, paid_on=paid_on, amount=amount)


@pytest.fixture
def forecast_world(team_a, member) -> ForecastWorld:
    books = LedgerOrganisationFactory()
    late = OrganisationFactory(name="Late Ltd", team=team_a)
    new = OrganisationFactory(name="New Ltd", team=team_a)
    _paid(late, books, due_on=date(2026, 1, 10), paid_on=date(2026, 1, 30))
    _paid(late, books, due_on=date(2026, 2, 1), paid_on=date(2026, 2, 11))
    _paid(late, books, due_on=date(2024, 11, 1), paid_on=date(2025, 1, 1))
    _open(books, late, number="L-OPEN", due_on=date(2026, 3, 5), sub_total=Decimal("300.00"))
    _open(books, late, number="L-USUAL", due_on=date(2026, 2, 25), sub_total=Decimal("400.00"))
    _open(books, late, number="L-LATE", due_on=date(2026, 1, 20), sub_total=Decimal("100.00"))
    _open(books, new, number="N-OPEN", due_on=date(2026, 3, 10), sub_total=Decimal("200.00"))
    _open(books, new, number="N-LATE", due_on=date(2026, 2, 20), sub_total=Decimal("100.01"))
    _open(
        books,
        new,
        number="N-NZD",
        due_on=date(2026, 3, 3),
        sub_total=Decimal("50.00"),
        currency_code="NZD",
        currency_rate=Decimal("2.1"),
    )
    _open(books, new, number="N-DRAFT", status="DRAFT", due_on=date(2026, 3, 3))

    won = OpportunityFactory(
        name="Fit-out", contact=new, outcome="won", closed_on=date(2026, 1, 5), value=Decimal("1500.00")
    )
    _open(
        books,
        new,
        number="N-INST1",
        reference=f"OPP-{won.pk}-1",
        status="PAID",
        sub_total=Decimal("500.00"),
        amount_paid=Decimal("500.00"),
    )
    services.instalment_plan_create_even(opportunity_id=won.pk, user=member, count=3, first_due_on=date(2026, 2, 17))

    proposal_stage = MilestoneFactory(name="Proposal", probability=40)
    proposal = OpportunityFactory(
        name="Big proposal",
        contact=late,
        milestone=proposal_stage,
        value=Decimal("1000.00"),
        currency_code="EUR",
        expected_close_date=date(2026, 2, 20),
    )
    OpportunityFactory(
        name="Small deal",
        contact=late,
        milestone=MilestoneFactory(name="Talks", probability=50),
        value=Decimal("250.00"),
        expected_close_date=date(2026, 3, 1),
    )
    OpportunityFactory(name="Undated", contact=late, milestone=proposal_stage, value=Decimal("999.00"))
    OpportunityFactory(
        name="Gone",
        contact=late,
        milestone=proposal_stage,
        value=Decimal("999.00"),
        outcome="lost",
        closed_on=date(2026, 2, 1),
        expected_close_date=date(2026, 3, 10),
    )
    return ForecastWorld(late=late, new=new, won=won, proposal=proposal)
