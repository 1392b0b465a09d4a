"""Quote drafts against the sandbox: the opportunity's seller, its form, and reading the sandbox's quotes back.

Pytest plugin (registered in tests/conftest.py) for tests/xero/test_quotes.py and the fault suite's case 30.
"""

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.xero import auth, client
from integrations.xero.models import XeroConnection, XeroContact
from invoices.models import Quote
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory, OrganisationFactory, UserFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

QUOTES_PATH = "^/api/api.xro/2.0/Quotes$"


@pytest.fixture
def seller(xero_connection):
    """A salesperson of the team the UK organisation's contacts go to."""
    user = UserFactory(email="seller@example.com")
    user.teams.add(xero_connection.default_team)
    return user


@pytest.fixture
def seller_client(seller) -> Client:
    browser = Client()
    browser.force_login(seller)
    return browser


@pytest.fixture
def opportunity(xero_connection):
    """An open GBP opportunity whose contact is not in Xero yet."""
    contact = OrganisationFactory(name="Corner Shop", team=xero_connection.default_team)
    return OpportunityFactory(name="Shop fit-out", contact=contact, value=Decimal("1250.00"), currency_code="GBP")


@pytest.fixture
def linked_opportunity(xero_connection, xero):
    """An open opportunity of a paying Xero customer, already linked by a sync."""
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    sync(xero_connection)
    link = XeroContact.objects.get(xero_id=customer["ContactID"])
    return OpportunityFactory(
        name="Wedding cakes", contact=link.contact, team=link.contact.team, value=Decimal("900.00"), currency_code="GBP"
    )


def form_data(connection: XeroConnection, *, key: uuid.UUID | None = None, **changes: str) -> dict[str, str]:
    data = {
        "submission_key": str(key or uuid.uuid4()),
        "organisation": str(connection.pk),
        "title": "Shop fit-out",
        "summary": "Shelving and counters",
        "date": "2026-11-25",
        "expiry_date": "2026-12-25",
        "line_amount_types": "EXCLUSIVE",
        "currency_code": "GBP",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-description": "Shelving",
        "lines-0-quantity": "2",
        "lines-0-unit_amount": "500.00",
        "lines-1-description": "Counter",
        "lines-1-quantity": "1",
        "lines-1-unit_amount": "250.00",
    }
    data.update(changes)
    return data


def submit(browser: Client, opportunity: Opportunity, data: dict[str, str]):
    return browser.post(reverse("xero:quote_create", args=[opportunity.pk]), data)


def xero_api(connection: XeroConnection) -> client.XeroClient:
    return auth.client_for(connection=connection, identity=client.identity_from_settings(), clock=timezone.now)


def sandbox_quotes(connection: XeroConnection) -> list[dict]:
    """Every quote the sandbox holds for the organisation, with its line items (read as Xero's JSON)."""
    return xero_api(connection).request("GET", "Quotes", params={"page": "1"})["Quotes"]


def quote_status_set(connection: XeroConnection, quote: Quote, *statuses: str) -> None:
    """Someone moves the quote along in Xero."""
    for status in statuses:
        xero_api(connection).request(
            "POST", f"Quotes/{quote.xero_id}", json={"Quotes": [{"QuoteID": quote.xero_id, "Status": status}]}
        )


def quote_puts(xero) -> int:
    return sum(
        1 for call in xero.sandbox.calls()["calls"] if call["method"] == "PUT" and call["path"].endswith("/Quotes")
    )


# --- creating ----------------------------------------------------------------------------------------------------
