"""XeroClient's accounting calls against the running Xero sandbox: paging, If-Modified-Since, typed pages, errors."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils import timezone as django_timezone

from integrations.xero import auth, client, schemas
from integrations.xero.models import XeroConnection
from tests.xero_records import msdate, xero_contact, xero_credit_note, xero_invoice, xero_payment, xero_quote

pytestmark = pytest.mark.django_db

ACCOUNTING = "/api/api.xro/2.0"


def _identity() -> client.XeroIdentity:
    return client.identity_from_settings(redirect_uri="http://testserver/integrations/xero/callback/")


def _customers(count: int) -> list[dict]:
    return [xero_contact(name=f"Customer {n:04}") for n in range(count)]


def _calls_to(sandbox, resource: str, *, since_id: int = 0) -> list[dict]:
    calls = sandbox.calls(since_id=since_id, bodies=True)["calls"]
    return [call for call in calls if call["path"] == f"{ACCOUNTING}/{resource}"]


@pytest.fixture
def connection(admin_client, xero) -> XeroConnection:
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    return XeroConnection.objects.select_related("grant").get()


@pytest.fixture
def xero_client(connection) -> client.XeroClient:
    now = django_timezone.now()
    return auth.client_for(connection=connection, identity=_identity(), clock=lambda: now)


@pytest.fixture
def bakery(xero) -> dict:
    """A contact for documents to belong to."""
    contact = xero_contact(contact_id="bd2270c3-8706-4c11-9cfb-000b551c3f51")
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": [contact]})
    return contact


# --- paging ----------------------------------------------------------------------------------------------------


def test_1050_contacts_are_read_in_exactly_two_calls(xero, xero_client):
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": _customers(1050)})
    calls_before = xero_client.calls

    pages = list(xero_client.contacts(modified_since=None))

    assert [len(page.records) for page in pages] == [1000, 50]
    assert xero_client.calls - calls_before == 2
    assert [page.page_count for page in pages] == [2, 2]


def test_pages_ask_for_a_thousand_records_each(xero, xero_client):
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": _customers(3)})

    list(xero_client.contacts(modified_since=None))

    assert "pageSize=1000" in _calls_to(xero.sandbox, "Contacts")[0]["query"]


def test_exactly_one_full_page_takes_one_call(xero, xero_client):
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": _customers(1000)})
    calls_before = xero_client.calls

    pages = list(xero_client.contacts(modified_since=None))

    assert [len(page.records) for page in pages] == [1000]
    assert xero_client.calls - calls_before == 1


def test_no_call_is_made_until_the_first_page_is_asked_for(xero_client):
    calls_before = xero_client.calls

    pages = xero_client.contacts(modified_since=None)

    assert xero_client.calls == calls_before
    assert next(pages).records == []


def test_start_page_resumes_at_that_page(xero, xero_client):
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": _customers(1050)})

    pages = list(xero_client.contacts(modified_since=None, start_page=2))

    assert [(page.page, len(page.records)) for page in pages] == [(2, 50)]


def test_quotes_page_by_xeros_fixed_hundred_without_page_size(xero, xero_client, bakery):
    quotes = [xero_quote(contact=bakery, number=f"QU-{n:04}", total="10.00") for n in range(150)]
    xero.sandbox.load(xero.uk_tenant_id, {"Quotes": quotes})

    pages = list(xero_client.quotes(modified_since=None))

    assert [(len(page.records), page.page_count) for page in pages] == [(100, None), (50, None)]
    assert all("pageSize" not in call["query"] for call in _calls_to(xero.sandbox, "Quotes"))


def test_more_ids_than_fit_in_a_url_are_asked_for_in_several_calls(xero, xero_client):
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": _customers(120)})
    ids = sorted(contact.contact_id for page in xero_client.contacts(modified_since=None) for contact in page.records)
    since_id = xero.sandbox.calls()["last_id"]

    pages = list(xero_client.contacts(modified_since=None, ids=ids[:90]))

    calls = _calls_to(xero.sandbox, "Contacts", since_id=since_id)
    assert len(calls) == 3
    assert max(len(call["query"]) for call in calls) < 2048
    assert sorted(contact.contact_id for page in pages for contact in page.records) == ids[:90]


def test_invoices_can_be_read_for_some_contacts_only(xero, xero_client, bakery):
    xero.sandbox.load(
        xero.uk_tenant_id, {"Contacts": [{"ContactID": "5f3c1a2b-0000-4000-8000-00000000c0de", "Name": "Other Ltd"}]}
    )
    someone_else = {"ContactID": "5f3c1a2b-0000-4000-8000-00000000c0de"}
    xero.sandbox.load(
        xero.uk_tenant_id,
        {
            "Invoices": [
                xero_invoice(contact=bakery, number="INV-0001"),
                xero_invoice(contact=someone_else, number="INV-0002"),
            ]
        },
    )

    pages = list(xero_client.invoices(modified_since=None, contact_ids=[bakery["ContactID"]]))

    assert [invoice.number for page in pages for invoice in page.records] == ["INV-0001"]


def test_invoices_can_be_read_in_some_statuses_only(xero, xero_client, bakery):
    xero.sandbox.load(
        xero.uk_tenant_id,
        {
            "Invoices": [
                xero_invoice(contact=bakery, number="INV-0001", status="DRAFT"),
                xero_invoice(contact=bakery, number="INV-0002"),
            ]
        },
    )

    pages = list(xero_client.invoices(modified_since=None, statuses=[schemas.InvoiceStatus.AUTHORISED]))

    assert [invoice.number for page in pages for invoice in page.records] == ["INV-0002"]


def test_payments_are_read_with_the_invoice_they_pay(xero, xero_client, bakery):
    invoice_id = "243216c5-369e-4056-ac67-05388f86dc81"
    xero.sandbox.load(
        xero.uk_tenant_id, {"Invoices": [xero_invoice(contact=bakery, number="INV-0001", invoice_id=invoice_id)]}
    )
    xero.sandbox.load(
        xero.uk_tenant_id,
        {
            "Payments": [
                xero_payment(
                    invoice_id=invoice_id,
                    payment_id="0d666415-cf77-43fa-80c7-56775591d426",
                    amount="50.00",
                    paid_on=date(2026, 1, 2),
                )
            ]
        },
    )

    payment = next(xero_client.payments(modified_since=None)).records[0]

    assert (payment.invoice_id, payment.amount, payment.status) == (
        invoice_id,
        Decimal("50.0"),
        schemas.PaymentStatus.AUTHORISED,
    )


# --- incremental reads -----------------------------------------------------------------------------------------


def test_if_modified_since_returns_only_newer_records(xero, xero_client):
    xero.sandbox.load(
        xero.uk_tenant_id,
        {
            "Contacts": [
                {"Name": "Old Ltd", "UpdatedDateUTC": msdate(datetime(2026, 1, 1, tzinfo=UTC))},
                {"Name": "New Ltd", "UpdatedDateUTC": msdate(datetime(2026, 3, 1, tzinfo=UTC))},
            ]
        },
    )

    pages = list(xero_client.contacts(modified_since=datetime(2026, 2, 1, tzinfo=UTC)))

    assert [contact.name for page in pages for contact in page.records] == ["New Ltd"]


def test_if_modified_since_is_sent_in_utc_to_the_second(xero, xero_client):
    auckland = timezone(timedelta(hours=13))

    list(xero_client.contacts(modified_since=datetime(2026, 1, 2, 1, 0, 0, 750000, tzinfo=auckland)))

    headers = {k.lower(): v for k, v in _calls_to(xero.sandbox, "Contacts")[0]["request_headers"].items()}
    assert headers["if-modified-since"] == "2026-01-01T12:00:00+00:00"


def test_server_time_is_the_envelopes_datetimeutc(xero, xero_client):
    xero.sandbox.clock_advance(600)
    before = xero.sandbox.now().replace(microsecond=0)

    page = next(xero_client.contacts(modified_since=None))

    assert before <= page.server_time <= xero.sandbox.now()
    assert page.server_time - before < timedelta(seconds=30)


# --- typed records and quarantine ---------------------------------------------------------------------------------


def test_invoice_amounts_are_exact_decimals(xero, xero_client, bakery):
    xero.sandbox.load(
        xero.uk_tenant_id, {"Invoices": [xero_invoice(contact=bakery, number="INV-0001", Total=123.45, AmountDue=0.1)]}
    )

    invoice = next(xero_client.invoices(modified_since=None)).records[0]

    assert (invoice.total, invoice.amount_due) == (Decimal("123.45"), Decimal("0.1"))
    assert isinstance(invoice.total, Decimal)


def test_a_contact_with_an_unreadable_date_is_quarantined_while_the_others_parse(xero, xero_client):
    broken = {
        "ContactID": "0a0b0c0d-0000-4000-8000-0000000000bd",
        "Name": "Far Future Ltd",
        "UpdatedDateUTC": "/Date(253402300800000+0000)/",
    }  # year 10000: no datetime can hold it
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": [*_customers(2), broken]})

    page = next(xero_client.contacts(modified_since=None))

    assert sorted(contact.name for contact in page.records) == ["Customer 0000", "Customer 0001"]
    assert [(error.record_id, error.payload["Name"]) for error in page.errors] == [
        ("0a0b0c0d-0000-4000-8000-0000000000bd", "Far Future Ltd")
    ]
    assert "UpdatedDateUTC is out of range" in page.errors[0].reason


def test_an_invoice_without_a_contact_id_is_quarantined_while_the_others_parse(xero, xero_client, bakery):
    walk_in = xero_invoice(
        contact=bakery,
        number="INV-0002",
        invoice_id="7e1d2c3b-0000-4000-8000-00000000a11c",
        Contact={"Name": "Walk-in"},
    )
    xero.sandbox.load(xero.uk_tenant_id, {"Invoices": [xero_invoice(contact=bakery, number="INV-0001"), walk_in]})

    page = next(xero_client.invoices(modified_since=None))

    assert [invoice.number for invoice in page.records] == ["INV-0001"]
    assert [(error.record_id, error.reason) for error in page.errors] == [
        ("7e1d2c3b-0000-4000-8000-00000000a11c", "missing Contact.ContactID")
    ]
    assert page.errors[0].payload["InvoiceNumber"] == "INV-0002"


def test_an_invoice_of_a_type_capsync_does_not_know_is_quarantined(xero, xero_client, bakery):
    overpayment = xero_invoice(
        contact=bakery, number="INV-0002", invoice_id="7e1d2c3b-0000-4000-8000-0000000000a9", type_="APOVERPAYMENT"
    )
    xero.sandbox.load(xero.uk_tenant_id, {"Invoices": [xero_invoice(contact=bakery, number="INV-0001"), overpayment]})

    page = next(xero_client.invoices(modified_since=None))

    assert [invoice.number for invoice in page.records] == ["INV-0001"]
    assert [error.reason for error in page.errors] == ["unknown Type 'APOVERPAYMENT'"]


def test_credit_notes_are_read_with_their_allocations(xero, xero_client, bakery):
    invoice_id = "243216c5-369e-4056-ac67-05388f86dc81"
    xero.sandbox.load(
        xero.uk_tenant_id, {"Invoices": [xero_invoice(contact=bakery, number="INV-0001", invoice_id=invoice_id)]}
    )
    xero.sandbox.load(
        xero.uk_tenant_id,
        {
            "CreditNotes": [
                xero_credit_note(
                    contact=bakery,
                    number="CN-0001",
                    total="30.00",
                    remaining="10.00",
                    Allocations=[
                        {
                            "Amount": 20.0,
                            "Date": msdate(date(2026, 1, 2)),
                            "Invoice": {"InvoiceID": invoice_id, "InvoiceNumber": "INV-0001"},
                        }
                    ],
                )
            ]
        },
    )

    credit_note = next(xero_client.credit_notes(modified_since=None)).records[0]

    assert (credit_note.number, credit_note.remaining_credit) == ("CN-0001", Decimal("10.0"))
    assert credit_note.allocations == (
        schemas.XeroAllocation(invoice_id=invoice_id, amount=Decimal("20.0"), date=datetime(2026, 1, 2).date()),
    )


# --- limits and errors ------------------------------------------------------------------------------------------


def test_limits_are_unknown_before_the_first_call(xero_client):
    assert xero_client.limits == client.RateLimits(minute_remaining=None, day_remaining=None, app_minute_remaining=None)


def test_the_rate_limit_headers_of_the_last_response_are_kept(xero, xero_client):
    next(xero_client.contacts(modified_since=None))

    headers = {k.lower(): v for k, v in _calls_to(xero.sandbox, "Contacts")[-1]["response_headers"].items()}
    assert xero_client.limits == client.RateLimits(
        minute_remaining=int(headers["x-minlimit-remaining"]),
        day_remaining=int(headers["x-daylimit-remaining"]),
        app_minute_remaining=int(headers["x-appminlimit-remaining"]),
    )
    assert xero_client.limits.minute_remaining < 60


@pytest.mark.xero_contract_exempt("injects a 429")
def test_a_minute_limit_429_raises_rate_limited_with_retry_after(xero, xero_client):
    xero.sandbox.fault(match=f"^{ACCOUNTING}/Contacts$", kind="429-minute", retry_after=17)

    with pytest.raises(client.RateLimited) as raised:
        next(xero_client.contacts(modified_since=None))

    assert (raised.value.retry_after, raised.value.problem) == (17, "minute")


@pytest.mark.xero_contract_exempt("injects a 429")
def test_a_429_is_not_retried_by_the_client(xero, xero_client):
    xero.sandbox.fault(match=f"^{ACCOUNTING}/Contacts$", kind="429-minute")
    calls_before = xero_client.calls

    with pytest.raises(client.RateLimited):
        next(xero_client.contacts(modified_since=None))

    assert xero_client.calls - calls_before == 1


@pytest.mark.xero_contract_exempt("injects failures")
@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "500"},
        {"kind": "503"},
        {"kind": "reset"},
        {"kind": "lose-response"},
        {"kind": "timeout", "delay_seconds": 1},  # the gateway gives up first: 504
        {"kind": "html"},
    ],
)
def test_a_failing_xero_raises_xero_unavailable(xero, xero_client, fault):
    xero.sandbox.fault(match=f"^{ACCOUNTING}/Invoices$", **fault)

    with pytest.raises(client.XeroUnavailable):
        next(xero_client.invoices(modified_since=None))


@pytest.mark.xero_contract_exempt("injects a bad body on a 200")
@pytest.mark.parametrize(("kind", "content_type"), [("html", "text/html"), ("malformed-json", "application/json")])
def test_a_200_that_is_not_json_raises_xero_unavailable_saying_so(xero, xero_client, kind, content_type):
    xero.sandbox.fault(match=f"^{ACCOUNTING}/Contacts$", kind=kind, status=200)

    with pytest.raises(client.XeroUnavailable, match=f"Xero answered 200 with a body that is not JSON.*{content_type}"):
        next(xero_client.contacts(modified_since=None))


@pytest.mark.xero_contract_exempt("holds the answer past our read timeout")
def test_an_answer_slower_than_the_read_timeout_raises_xero_unavailable(xero, connection):
    xero.sandbox.fault(match=f"^{ACCOUNTING}/Contacts$", kind="timeout", delay_seconds=2)
    now = django_timezone.now()
    slow_reader = client.XeroClient(
        tenant_id=connection.tenant_id,
        timeout=(5, 0.5),
        access_token=lambda _: auth.grant_access_token(grant_id=connection.grant_id, identity=_identity(), now=now),
    )

    with pytest.raises(client.XeroUnavailable, match="ReadTimeout"):
        next(slow_reader.contacts(modified_since=None))


def test_an_expired_token_is_refreshed_once_and_the_page_read(xero, xero_client):
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": _customers(2)})
    xero.sandbox.clock_advance(31 * 60)  # Xero now thinks the token expired; our clock does not know yet
    calls_before = xero_client.calls

    page = next(xero_client.contacts(modified_since=None))

    assert len(page.records) == 2
    assert xero_client.calls - calls_before == 2
    assert [call["status"] for call in _calls_to(xero.sandbox, "Contacts")] == [401, 200]


# --- writes ------------------------------------------------------------------------------------------------------


def test_contact_update_returns_xeros_copy_of_the_contact(xero, xero_client, bakery):
    contact = xero_client.contact_update({"ContactID": bakery["ContactID"], "EmailAddress": "orders@bluebell.example"})

    assert (contact.contact_id, contact.name, contact.email) == (
        bakery["ContactID"],
        "Bluebell Bakery",
        "orders@bluebell.example",
    )


def test_contact_update_refused_by_xero_raises_its_validation_message(xero, xero_client, bakery):
    xero.sandbox.load(xero.uk_tenant_id, {"Contacts": [{"Name": "Acme Ltd", "ContactStatus": "ACTIVE"}]})

    with pytest.raises(client.XeroValidationError) as raised:
        xero_client.contact_update({"ContactID": bakery["ContactID"], "Name": "Acme Ltd"})

    assert raised.value.messages == [
        "The contact name Acme Ltd is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    ]


def test_contact_create_sends_the_idempotency_key_so_a_retry_makes_one_contact(xero, xero_client):
    first = xero_client.contact_create({"Name": "Corner Shop"}, idempotency_key="capsync-contact-41")

    second = xero_client.contact_create({"Name": "Corner Shop"}, idempotency_key="capsync-contact-41")

    assert first.contact_id == second.contact_id
    assert [contact.name for page in xero_client.contacts(modified_since=None) for contact in page.records] == [
        "Corner Shop"
    ]
