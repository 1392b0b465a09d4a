from datetime import UTC, date, datetime

import pytest

from activity.models import Note, Task
from invoices.models import CreditAllocation, Quote
from tests.factories import OrganisationFactory


def note(
    contact,
    *,
    body="Called about the order",
    kind="call",
    at=datetime(2026, 3, 15, 10, 0, tzinfo=UTC),
    author=None,
    opportunity=None,
):
    """A note written at `at` (the model has no factory: notes are only ever made by the service)."""
    return Note.objects.create(
        contact=contact,
        body=body,
        kind=kind,
        happened_at=at,
        created_at=at,
        updated_at=at,
        author=author,
        opportunity=opportunity,
    )


def task(
    owner,
    *,
    title="Send the proposal",
    due_on=date(2026, 3, 20),
    contact=None,
    opportunity=None,
    completed_at=None,
    invoice=None,
):
    return Task.objects.create(
        title=title,
        due_on=due_on,
        owner=owner,
        contact=contact,
        opportunity=opportunity,
        invoice=invoice,
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        completed_at=completed_at,
    )


def quote(
    org,
    contact,
    *,
    status="SENT",
    total="500.00",
    issued_on=date(2026, 2, 1),
    updated=datetime(2026, 2, 3, 9, 0, tzinfo=UTC),
    opportunity=None,
    number="QU-0001",
):
    return Quote.objects.create(
        organisation=org.organisation,
        xero_id=f"quote-{number}",
        contact=contact,
        xero_contact_id="x",
        opportunity=opportunity,
        number=number,
        status=status,
        currency_code="GBP",
        total=total,
        issued_on=issued_on,
        xero_updated_at=updated,
        synced_at=updated,
    )


def allocation(credit_note, invoice, *, amount, on):
    return CreditAllocation.objects.create(
        credit_note=credit_note, invoice_xero_id=invoice.xero_id, amount=amount, allocated_on=on
    )


@pytest.fixture
def customer(team_a):
    return OrganisationFactory(team=team_a, name="Bluebell Bakery")
