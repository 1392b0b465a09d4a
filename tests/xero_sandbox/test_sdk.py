"""Xero's official xero-python SDK, unchanged except its base URLs, against the sandbox.

The SDK deserialises strictly (``/Date()/`` regex, enum values, Decimal amounts), so these tests catch fidelity
bugs a hand-written client would forgive. Only base URLs change:
- ``AccountingApi(api_client, base_url=...)`` and ``IdentityApi(api_client, base_url=...)``: constructor argument;
- the token endpoints are class attributes of ``xero_python.api_client.oauth2.TokenApi`` (``refresh_token_url``,
  ``revoke_token_url``), monkeypatched for the duration of each test.
(``Configuration()`` hands out copies of the first instance it ever made and ignores later arguments, so each
client gets its ``OAuth2Token`` by assignment.) The module-scoped demo client never refreshes, so it needs no patch.
The initial code exchange is not something the SDK does: requests-oauthlib's ``OAuth2Session.fetch_token`` does it
(client secret in HTTP Basic auth, as Xero documents), and the token is handed to the SDK through its
``oauth2_token_getter``/``oauth2_token_saver`` hooks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from requests_oauthlib import OAuth2Session
from xero_python.accounting import AccountingApi
from xero_python.accounting.models import (
    Account,
    Allocation,
    Allocations,
    Bill,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    Payment,
    PaymentTerm,
    PaymentTermType,
    Quote,
    QuoteLineAmountTypes,
    Quotes,
    QuoteStatusCodes,
)
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException
from xero_python.identity import IdentityApi

from tests.sandbox import SandboxControl
from tests.xero_records import xero_invoice
from tests.xero_sandbox.test_contract import DEMO_APP, DemoSession, demo_session

REDIRECT_URI = "http://127.0.0.1:8000/integrations/xero/callback/"
SCOPES = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.contacts",
    "accounting.invoices",
    "accounting.payments",
    "accounting.settings.read",
]
CONTACT_ID = "5a1f0c1e-2f0b-4b7c-9a55-2d6f4e1c0a01"


@dataclass
class Organisation:
    """An app, a user and an organisation the user may connect, created through the control API."""

    tenant_id: str
    client_id: str
    client_secret: str
    user_email: str


@dataclass
class TokenStore:
    """Where the SDK reads and saves its token (a database row in Capsync)."""

    token: dict
    saved: list[dict] = field(default_factory=list)

    def get(self) -> dict:
        return self.token

    def save(self, token: dict) -> None:
        self.token = token
        self.saved.append(token)


@pytest.fixture
def organisation(sandbox: SandboxControl) -> Organisation:
    suffix = secrets.token_hex(4)
    tenant = sandbox.create_tenant(name="SDK Test Ltd", base_currency="GBP", timezone="GMT Standard Time")
    app = sandbox.create_app(
        client_id=f"sdk-{suffix}",
        client_secret=f"secret-{suffix}",
        name="Capsync SDK test",
        redirect_uris=[REDIRECT_URI],
    )
    email = f"sdk-{suffix}@example.com"
    sandbox.create_user(email=email, password="password", tenant_ids=[tenant["tenant_id"]])
    return Organisation(tenant["tenant_id"], app["client_id"], f"secret-{suffix}", email)


@pytest.fixture
def token_store(sandbox: SandboxControl, organisation: Organisation, monkeypatch: pytest.MonkeyPatch) -> TokenStore:
    """Authorization code flow: consent through the control API, code exchange with requests-oauthlib."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the sandbox speaks plain http on 127.0.0.1
    session = OAuth2Session(organisation.client_id, redirect_uri=REDIRECT_URI, scope=SCOPES)
    _, state = session.authorization_url(sandbox.authorize_url)
    redirect = sandbox.authorize(
        client_id=organisation.client_id,
        redirect_uri=REDIRECT_URI,
        scope=" ".join(SCOPES),
        state=state,
        user_email=organisation.user_email,
        tenant_ids=[organisation.tenant_id],
    )
    token = session.fetch_token(
        sandbox.token_url, authorization_response=redirect, client_secret=organisation.client_secret, timeout=30
    )
    return TokenStore(dict(token))


@pytest.fixture
def api_client(
    sandbox: SandboxControl, organisation: Organisation, token_store: TokenStore, monkeypatch: pytest.MonkeyPatch
) -> ApiClient:
    monkeypatch.setattr(TokenApi, "refresh_token_url", sandbox.token_url)
    monkeypatch.setattr(TokenApi, "revoke_token_url", sandbox.revocation_url)
    configuration = Configuration()
    # Configuration() returns a copy of the first instance ever made and ignores its arguments after that (SDK
    # metaclass TypeWithDefault), so the per-app token settings are assigned, not passed.
    configuration.oauth2_token = OAuth2Token(client_id=organisation.client_id, client_secret=organisation.client_secret)
    return ApiClient(
        configuration,
        pool_threads=1,
        oauth2_token_getter=token_store.get,
        oauth2_token_saver=token_store.save,
    )


@pytest.fixture
def accounting(sandbox: SandboxControl, api_client: ApiClient) -> AccountingApi:
    return AccountingApi(api_client, base_url=sandbox.accounting_url)


@pytest.fixture
def identity(sandbox: SandboxControl, api_client: ApiClient) -> IdentityApi:
    return IdentityApi(api_client, base_url=sandbox.api_url)


@pytest.fixture
def customer(sandbox: SandboxControl, organisation: Organisation) -> str:
    contact = {"ContactID": CONTACT_ID, "Name": "Ridgeway University", "ContactStatus": "ACTIVE"}
    sandbox.load(organisation.tenant_id, {"Contacts": [contact]})
    return CONTACT_ID


def ridgeway_invoice(*, number: str, status: str, updated: datetime) -> dict:
    """An ACCREC invoice to the customer for 200.00 + 40.00 VAT, as Xero returns it, loaded verbatim."""
    return xero_invoice(
        contact={"ContactID": CONTACT_ID, "Name": "Ridgeway University"},
        invoice_id=f"7d0e6c58-1b8a-4b2a-8c1e-0000000{number[-5:]}",
        number=number,
        status=status,
        total="240.00",
        tax="40.00",
        issued=date(2026, 3, 1),
        due=date(2026, 3, 31),
        updated=updated,
    )


# --- identity ----------------------------------------------------------------------------------------------


def test_code_exchange_gives_a_token_the_sdk_lists_connections_with(identity: IdentityApi, organisation: Organisation):
    connections = identity.get_connections()

    assert [str(c.tenant_id) for c in connections] == [organisation.tenant_id]
    assert connections[0].tenant_type == "ORGANISATION"
    assert connections[0].tenant_name == "SDK Test Ltd"
    assert connections[0].created_date_utc.tzinfo is not None


def test_sdk_refresh_rotates_the_refresh_token(api_client: ApiClient, token_store: TokenStore, identity: IdentityApi):
    first = dict(token_store.token)

    refreshed = api_client.refresh_oauth2_token()

    assert refreshed["refresh_token"] != first["refresh_token"]
    assert refreshed["access_token"] != first["access_token"]
    assert token_store.saved == [refreshed]
    assert set(refreshed["scope"]) == set(SCOPES)
    assert len(identity.get_connections()) == 1


def test_spent_refresh_token_is_refused_once_its_grace_period_is_over(
    sandbox: SandboxControl, api_client: ApiClient, token_store: TokenStore, organisation: Organisation
):
    spent = token_store.token["refresh_token"]
    api_client.refresh_oauth2_token()
    sandbox.clock_advance(31 * 60)

    response = sandbox.refresh(
        refresh_token=spent, client_id=organisation.client_id, client_secret=organisation.client_secret
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# --- accounting reads --------------------------------------------------------------------------------------


def test_contacts_page_through_two_pages(
    sandbox: SandboxControl, accounting: AccountingApi, organisation: Organisation
):
    names = [f"Customer {n:03d}" for n in range(150)]
    sandbox.load(organisation.tenant_id, {"Contacts": [{"Name": name} for name in names]})

    first = accounting.get_contacts(organisation.tenant_id, page=1, page_size=100)
    second = accounting.get_contacts(organisation.tenant_id, page=2, page_size=100)

    assert len(first.contacts) == 100
    assert len(second.contacts) == 50
    assert (first.pagination.page_count, first.pagination.item_count) == (2, 150)
    assert sorted(c.name for c in first.contacts + second.contacts) == names


def test_invoices_if_modified_since_returns_only_later_changes(
    sandbox: SandboxControl, accounting: AccountingApi, organisation: Organisation, customer: str
):
    older = ridgeway_invoice(number="INV-00001", status="AUTHORISED", updated=datetime(2026, 3, 1, 10, tzinfo=UTC))
    newer = ridgeway_invoice(number="INV-00002", status="AUTHORISED", updated=datetime(2026, 3, 1, 14, tzinfo=UTC))
    sandbox.load(organisation.tenant_id, {"Invoices": [older, newer]})

    invoices = accounting.get_invoices(organisation.tenant_id, if_modified_since=datetime(2026, 3, 1, 12, tzinfo=UTC))

    assert [i.invoice_number for i in invoices.invoices] == ["INV-00002"]
    assert invoices.invoices[0].updated_date_utc == datetime(2026, 3, 1, 14, tzinfo=UTC)
    assert invoices.invoices[0].total == Decimal("240.00")


def test_invoices_where_filters_on_status(
    sandbox: SandboxControl, accounting: AccountingApi, organisation: Organisation, customer: str
):
    when = datetime(2026, 3, 1, 10, tzinfo=UTC)
    records = [
        ridgeway_invoice(number="INV-00001", status="AUTHORISED", updated=when),
        ridgeway_invoice(number="INV-00002", status="DRAFT", updated=when),
        ridgeway_invoice(number="INV-00003", status="AUTHORISED", updated=when),
    ]
    sandbox.load(organisation.tenant_id, {"Invoices": records})

    invoices = accounting.get_invoices(organisation.tenant_id, where='Status=="AUTHORISED"', page=1)

    assert sorted(i.invoice_number for i in invoices.invoices) == ["INV-00001", "INV-00003"]
    assert {i.status for i in invoices.invoices} == {"AUTHORISED"}


# --- accounting writes -------------------------------------------------------------------------------------


def test_created_quote_reads_back(accounting: AccountingApi, organisation: Organisation, customer: str):
    quote = Quote(
        contact=Contact(contact_id=customer),
        date=date(2026, 3, 2),
        expiry_date=date(2026, 4, 1),
        title="Website redesign",
        line_items=[LineItem(description="Design sprint", quantity=Decimal("2"), unit_amount=Decimal("500.00"))],
        line_amount_types=QuoteLineAmountTypes.EXCLUSIVE,
    )

    created = accounting.create_quotes(organisation.tenant_id, quotes=Quotes(quotes=[quote]))
    read = accounting.get_quote(organisation.tenant_id, created.quotes[0].quote_id)

    assert read.quotes[0].quote_id == created.quotes[0].quote_id
    assert read.quotes[0].title == "Website redesign"
    assert read.quotes[0].status == QuoteStatusCodes.DRAFT
    assert read.quotes[0].date == date(2026, 3, 2)
    assert read.quotes[0].expiry_date == date(2026, 4, 1)
    assert read.quotes[0].sub_total == Decimal("1000.00")
    assert read.quotes[0].line_amount_types == QuoteLineAmountTypes.EXCLUSIVE


def test_validation_exception_surfaces_as_the_sdk_exception_with_xeros_message(
    accounting: AccountingApi, organisation: Organisation, customer: str
):
    duplicate = Contacts(contacts=[Contact(name="Ridgeway University")])

    with pytest.raises(AccountingBadRequestException) as raised:
        accounting.create_contacts(organisation.tenant_id, contacts=duplicate)

    assert raised.value.status == 400
    assert "Ridgeway University" in raised.value.reason
    assert "already assigned" in raised.value.reason
    assert raised.value.error_data["Type"] == "ValidationException"


def sdk_authorised_invoice(accounting: AccountingApi, tenant_id: str, contact_id: str) -> Invoice:
    invoice = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
        status="AUTHORISED",
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        line_items=[
            LineItem(description="Consulting", quantity=Decimal("2"), unit_amount=Decimal("150.50"), account_code="200")
        ],
    )
    return accounting.create_invoices(tenant_id, invoices=Invoices(invoices=[invoice])).invoices[0]


def test_sdk_created_invoice_keeps_its_dates_and_amounts(
    accounting: AccountingApi, organisation: Organisation, customer: str
):
    created = sdk_authorised_invoice(accounting, organisation.tenant_id, customer)

    assert (created.date, created.due_date) == (date(2026, 3, 1), date(2026, 3, 31))
    assert created.sub_total == Decimal("301.00")
    assert created.amount_due == created.total
    assert created.line_amount_types == LineAmountTypes.EXCLUSIVE


def test_sdk_single_payment_pays_the_invoice(accounting: AccountingApi, organisation: Organisation, customer: str):
    invoice = sdk_authorised_invoice(accounting, organisation.tenant_id, customer)
    payment = Payment(
        invoice=Invoice(invoice_id=invoice.invoice_id),
        account=Account(code="090"),
        date=date(2026, 3, 5),
        amount=invoice.total,
    )

    paid = accounting.create_payment(organisation.tenant_id, payment=payment)
    reread = accounting.get_invoice(organisation.tenant_id, invoice.invoice_id).invoices[0]

    assert paid.payments[0].amount == invoice.total
    assert paid.payments[0].date == date(2026, 3, 5)
    assert reread.status == "PAID"
    assert reread.amount_due == Decimal("0")


def test_sdk_credit_note_allocation_reduces_the_amount_due(
    accounting: AccountingApi, organisation: Organisation, customer: str
):
    invoice = sdk_authorised_invoice(accounting, organisation.tenant_id, customer)
    credit_note = CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=customer),
        date=date(2026, 3, 2),
        status="AUTHORISED",
        line_amount_types=LineAmountTypes.NOTAX,
        line_items=[
            LineItem(description="Goodwill", quantity=Decimal("1"), unit_amount=Decimal("50"), account_code="200")
        ],
    )
    created = accounting.create_credit_notes(
        organisation.tenant_id, credit_notes=CreditNotes(credit_notes=[credit_note])
    )
    allocation = Allocation(invoice=Invoice(invoice_id=invoice.invoice_id), amount=Decimal("50"), date=date(2026, 3, 6))

    accounting.create_credit_note_allocation(
        organisation.tenant_id,
        created.credit_notes[0].credit_note_id,
        allocations=Allocations(allocations=[allocation]),
    )
    reread = accounting.get_invoice(organisation.tenant_id, invoice.invoice_id).invoices[0]

    assert reread.amount_due == invoice.total - Decimal("50")
    assert reread.amount_credited == Decimal("50")


def test_sdk_summarize_errors_false_reports_errors_per_element(
    accounting: AccountingApi, organisation: Organisation, customer: str
):
    batch = Contacts(contacts=[Contact(name="Ridgeway University"), Contact(name="Hartley & Sons")])

    result = accounting.create_contacts(organisation.tenant_id, contacts=batch, summarize_errors=False)

    refused, created = result.contacts
    assert refused.has_validation_errors is True
    assert "already assigned" in refused.validation_errors[0].message
    assert created.contact_id is not None
    assert not created.has_validation_errors


# --- every demo record through the SDK's strict deserialisation ---------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoSession]:
    with demo_session() as session:
        yield session


@pytest.fixture(scope="module")
def demo_accounting(demo: DemoSession) -> AccountingApi:
    token = dict(demo.token, scope=demo.token["scope"].split())
    configuration = Configuration()
    configuration.oauth2_token = OAuth2Token(client_id=DEMO_APP["client_id"], client_secret=DEMO_APP["client_secret"])
    client = ApiClient(
        configuration, pool_threads=1, oauth2_token_getter=lambda: token, oauth2_token_saver=token.update
    )
    return AccountingApi(client, base_url=demo.control.accounting_url)


LIST_READS = [
    ("get_organisations", {}, "organisations"),
    ("get_currencies", {}, "currencies"),
    ("get_contacts", {"include_archived": True}, "contacts"),
    ("get_contacts", {"page": 1, "summary_only": True}, "contacts"),
    ("get_invoices", {}, "invoices"),
    ("get_invoices", {"page": 1, "page_size": 5, "statuses": ["AUTHORISED", "PAID"]}, "invoices"),
    ("get_credit_notes", {"page": 1}, "credit_notes"),
    ("get_payments", {}, "payments"),
    ("get_quotes", {}, "quotes"),
    ("get_items", {"unitdp": 4}, "items"),
    ("get_accounts", {}, "accounts"),
    ("get_tax_rates", {}, "tax_rates"),
    ("get_tracking_categories", {"include_archived": True}, "tracking_categories"),
    ("get_branding_themes", {}, "branding_themes"),
]


@pytest.mark.parametrize("tenant", ["Demo Company (UK)", "Demo Company (NZ)"])
@pytest.mark.parametrize(("method", "kwargs", "field_name"), LIST_READS)
def test_sdk_deserialises_demo_lists(
    demo: DemoSession, demo_accounting: AccountingApi, tenant: str, method: str, kwargs: dict, field_name: str
):
    result = getattr(demo_accounting, method)(demo.tenants[tenant], **kwargs)

    records = getattr(result, field_name)
    assert records is not None
    assert method in {"get_credit_notes", "get_quotes", "get_payments"} or records


ITEM_READS = [
    ("get_contacts", "contacts", "contact_id", "get_contact", {"include_archived": True}),
    ("get_invoices", "invoices", "invoice_id", "get_invoice", {}),
    ("get_credit_notes", "credit_notes", "credit_note_id", "get_credit_note", {}),
    ("get_payments", "payments", "payment_id", "get_payment", {}),
    ("get_quotes", "quotes", "quote_id", "get_quote", {}),
    ("get_items", "items", "item_id", "get_item", {}),
    ("get_accounts", "accounts", "account_id", "get_account", {}),
    ("get_tracking_categories", "tracking_categories", "tracking_category_id", "get_tracking_category", {}),
    ("get_branding_themes", "branding_themes", "branding_theme_id", "get_branding_theme", {}),
]


@pytest.mark.parametrize(("list_method", "field_name", "id_name", "get_method", "kwargs"), ITEM_READS)
def test_sdk_deserialises_every_demo_record_by_id(
    demo: DemoSession,
    demo_accounting: AccountingApi,
    list_method: str,
    field_name: str,
    id_name: str,
    get_method: str,
    kwargs: dict,
):
    tenant_id = demo.tenant_id
    listed = getattr(getattr(demo_accounting, list_method)(tenant_id, **kwargs), field_name)

    fetched = [
        getattr(getattr(demo_accounting, get_method)(tenant_id, getattr(r, id_name)), field_name)[0] for r in listed
    ]

    assert listed
    assert [getattr(r, id_name) for r in fetched] == [getattr(r, id_name) for r in listed]


def test_sdk_reads_items_and_gets_xeros_refusal_for_an_archived_account(
    demo: DemoSession, demo_accounting: AccountingApi
):
    tenant_id = demo.tenants["Demo Company (UK)"]
    items = {item.code: item for item in demo_accounting.get_items(tenant_id, unitdp=4).items}
    acme = demo_accounting.get_contact(tenant_id, "ACME-001").contacts[0]
    invoice = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=acme.contact_id),
        date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
        status="AUTHORISED",
        line_items=[LineItem(item_code="OLD-KIT", quantity=Decimal("1"))],
    )

    with pytest.raises(AccountingBadRequestException) as raised:
        demo_accounting.create_invoices(tenant_id, invoices=Invoices(invoices=[invoice]))

    assert items["API-1K"].sales_details.unit_price == Decimal("0.4125")
    assert items["WIDGET"].is_tracked_as_inventory is True
    assert raised.value.error_data["Type"] == "ValidationException"
    assert [e["Message"] for e in raised.value.error_data["Elements"][0]["ValidationErrors"]] == [
        "Account code '250' has been archived, or has been deleted. Each line item must reference a valid account."
    ]


def test_sdk_writes_and_reads_contact_payment_terms(accounting: AccountingApi, organisation: Organisation):
    terms = PaymentTerm(
        sales=Bill(day=20, type=PaymentTermType.OFFOLLOWINGMONTH),
        bills=Bill(day=30, type=PaymentTermType.DAYSAFTERBILLDATE),
    )
    created = accounting.create_contacts(
        organisation.tenant_id, contacts=Contacts(contacts=[Contact(name="Termed Ltd", payment_terms=terms)])
    ).contacts[0]

    read = accounting.get_contact(organisation.tenant_id, created.contact_id).contacts[0]

    assert (read.payment_terms.sales.day, read.payment_terms.sales.type) == (20, PaymentTermType.OFFOLLOWINGMONTH)
    assert read.payment_terms.bills.type == PaymentTermType.DAYSAFTERBILLDATE
