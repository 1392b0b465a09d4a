"""pyxero (freakboy3742/pyxero, PyPI ``pyxero``), a widely used community client, unchanged against the sandbox.

pyxero was written against real Xero by people outside this project, so where it works here and not there (or the
reverse) the sandbox is wrong. Only its base URLs change: the authorize and token endpoints are module constants of
``xero.auth`` (monkeypatched for each test), and the API base is ``OAuth2Credentials.base_url`` (an attribute
pyxero's own docs tell users to read). What it exercises, beyond a JSON client: ``GET /Organisations`` (plural),
ID lists as ``UUID.hex``, ``&&``-joined ``where`` with ``Guid("...")`` and ``DateTime(y,m,d)``, an HTTP-date
``If-Modified-Since``, ``page`` without ``pageSize``, and writes as XML only (a bare ``<Contact>`` for one record,
``<Contacts><Contact>`` for several).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import xero.auth
from xero import Xero
from xero.auth import OAuth2Credentials
from xero.exceptions import XeroBadRequest

from tests.sandbox import SandboxControl

REDIRECT_URI = "http://127.0.0.1:8000/pyxero/callback"
SCOPES = ["offline_access", "accounting.contacts", "accounting.transactions", "accounting.settings"]


@pytest.fixture
def credentials(sandbox: SandboxControl, monkeypatch: pytest.MonkeyPatch) -> OAuth2Credentials:
    """pyxero's own authorization code flow: generate_url(), the user's consent, verify(), set_default_tenant()."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the sandbox speaks plain http on 127.0.0.1
    monkeypatch.setattr(xero.auth, "XERO_OAUTH2_AUTHORIZE_URL", sandbox.authorize_url)
    monkeypatch.setattr(xero.auth, "XERO_OAUTH2_TOKEN_URL", sandbox.token_url)
    suffix = secrets.token_hex(4)
    tenant = sandbox.create_tenant(name="Pyxero Ltd", base_currency="GBP", timezone="GMT Standard Time")
    sandbox.create_app(
        client_id=f"pyxero-{suffix}", client_secret=f"secret-{suffix}", name="pyxero", redirect_uris=[REDIRECT_URI]
    )
    sandbox.create_user(email=f"pyxero-{suffix}@example.com", password="pw", tenant_ids=[tenant["tenant_id"]])
    credentials = OAuth2Credentials(f"pyxero-{suffix}", f"secret-{suffix}", callback_uri=REDIRECT_URI, scope=SCOPES)
    credentials.base_url = sandbox.api_url
    url = credentials.generate_url()
    redirect = sandbox.authorize(
        client_id=credentials.client_id,
        redirect_uri=REDIRECT_URI,
        scope=" ".join(SCOPES),
        state=credentials.auth_state,
        tenant_ids=[tenant["tenant_id"]],
        user_email=f"pyxero-{suffix}@example.com",
    )
    assert url.startswith(sandbox.authorize_url)

    credentials.verify(redirect)
    credentials.set_default_tenant()

    assert credentials.tenant_id == tenant["tenant_id"]
    return credentials


@pytest.fixture
def client(credentials: OAuth2Credentials) -> Xero:
    return Xero(credentials)


def _last_call(sandbox: SandboxControl, method: str) -> dict:
    """What pyxero last sent with this method, from the sandbox's calls log (pyxero 0.9.5 returns plain lists)."""
    return [call for call in sandbox.calls(bodies=True)["calls"] if call["method"] == method][-1]


def _invoice(client: Xero, contact_id: str, *, status: str = "AUTHORISED", due: date = date(2026, 3, 31)) -> dict:
    return client.invoices.put(
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact_id},
            "Date": date(2026, 3, 1),
            "DueDate": due,
            "Status": status,
            "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Consulting", "Quantity": 2, "UnitAmount": "100.00", "AccountCode": "200"}],
        }
    )[0]


def test_organisations_all_reads_the_plural_path(client, sandbox):
    organisations = client.organisations.all()

    assert [o["Name"] for o in organisations] == ["Pyxero Ltd"]
    assert _last_call(sandbox, "GET")["path"].endswith("/api.xro/2.0/Organisations")


def test_xml_writes_create_and_update_contacts(client, sandbox):
    one = client.contacts.put({"Name": "Bluebell Bakery", "EmailAddress": "orders@bluebell.test", "IsSupplier": True})
    sent = _last_call(sandbox, "PUT")
    many = client.contacts.put([{"Name": "Hawthorn Books"}, {"Name": "Juniper Gin"}])

    updated = client.contacts.save({"ContactID": one[0]["ContactID"], "Name": "Bluebell Bakery Ltd"})

    assert sent["request_headers"]["content-type"] == "application/xml"
    assert sent["request_body"].startswith("<Contact>")
    assert [c["Name"] for c in many] == ["Hawthorn Books", "Juniper Gin"]
    assert updated[0]["Name"] == "Bluebell Bakery Ltd"
    assert client.contacts.get(one[0]["ContactID"])[0]["EmailAddress"] == "orders@bluebell.test"


def test_xml_invoice_write_computes_xeros_totals(client):
    contact = client.contacts.put({"Name": "Totals Ltd"})[0]

    invoice = _invoice(client, contact["ContactID"])

    assert (Decimal(str(invoice["SubTotal"])), Decimal(str(invoice["Total"]))) == (Decimal(200), Decimal(240))
    assert invoice["DueDate"].date() == date(2026, 3, 31)
    assert invoice["Status"] == "AUTHORISED"


def test_a_validation_failure_comes_back_as_xeros_400(client):
    with pytest.raises(XeroBadRequest):
        client.invoices.put({"Type": "ACCREC", "Contact": {"Name": "No Lines Ltd"}, "Status": "AUTHORISED"})


def test_where_filters_joined_with_ampersands(client, sandbox):
    wanted = client.contacts.put({"Name": "Wanted Ltd"})[0]
    other = client.contacts.put({"Name": "Other Ltd"})[0]
    paid_late = _invoice(client, wanted["ContactID"], due=date(2026, 4, 30))
    _invoice(client, wanted["ContactID"], status="DRAFT")
    _invoice(client, other["ContactID"])

    by_name = client.contacts.filter(Name="Wanted Ltd")
    by_contains = client.contacts.filter(Name__contains="Other")
    by_guid_and_status = client.invoices.filter(Contact_ContactID=uuid.UUID(wanted["ContactID"]), Status="AUTHORISED")
    joined = parse_qs(_last_call(sandbox, "GET")["query"])["where"][0]
    by_hex_guid = client.invoices.filter(Contact_ContactID=uuid.UUID(wanted["ContactID"]).hex, Status="AUTHORISED")
    by_date = client.invoices.filter(DueDate__gt=date(2026, 4, 1))

    assert [c["ContactID"] for c in by_name] == [wanted["ContactID"]]
    assert [c["ContactID"] for c in by_contains] == [other["ContactID"]]
    assert joined == f'Contact.ContactID==Guid("{wanted["ContactID"]}")&&Status=="AUTHORISED"'
    assert (
        [i["InvoiceID"] for i in by_guid_and_status]
        == [i["InvoiceID"] for i in by_hex_guid]
        == [paid_late["InvoiceID"]]
    )
    assert [i["InvoiceID"] for i in by_date] == [paid_late["InvoiceID"]]


def test_id_lists_are_sent_as_uuid_hex(client, sandbox):
    first = client.contacts.put({"Name": "First Ltd"})[0]
    client.contacts.put({"Name": "Second Ltd"})
    invoice = _invoice(client, first["ContactID"])

    contacts = client.contacts.filter(IDs=[first["ContactID"]])
    sent = _last_call(sandbox, "GET")["query"]
    invoices = client.invoices.filter(IDs=[invoice["InvoiceID"]], ContactIDs=[first["ContactID"]])

    assert parse_qs(sent)["IDs"] == [uuid.UUID(first["ContactID"]).hex]
    assert [c["Name"] for c in contacts] == ["First Ltd"]
    assert [i["InvoiceID"] for i in invoices] == [invoice["InvoiceID"]]


def test_since_sends_an_http_date_if_modified_since(client, sandbox, credentials):
    client.contacts.put({"Name": "Before Ltd"})
    between = (sandbox.now() + timedelta(hours=1)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    sandbox.clock_advance(2 * 3600)  # the sandbox clock: nothing sleeps, but the 30-minute access token expires
    credentials.refresh()
    client = Xero(credentials)
    client.contacts.put({"Name": "After Ltd"})

    since = client.contacts.filter(since=between)

    sent = _last_call(sandbox, "GET")["request_headers"]["if-modified-since"]
    assert sent == between.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert [c["Name"] for c in since] == ["After Ltd"]


def test_page_without_page_size_returns_a_page_of_100(client, sandbox, credentials):
    sandbox.load(credentials.tenant_id, {"Contacts": [{"Name": f"Paged {n:03d}"} for n in range(105)]})

    first = client.contacts.filter(page=1)
    second = client.contacts.filter(page=2)

    assert (len(first), len(second)) == (100, 5)


def test_refresh_rotates_the_token_and_the_new_one_reads(client, credentials):
    before = dict(credentials.token)

    credentials.refresh()

    assert credentials.token["refresh_token"] != before["refresh_token"]
    assert credentials.token["access_token"] != before["access_token"]
    assert [o["Name"] for o in Xero(credentials).organisations.all()] == ["Pyxero Ltd"]


def test_xml_payment_and_credit_note_allocation(client):
    contact = client.contacts.put({"Name": "Settling Ltd"})[0]
    invoice = _invoice(client, contact["ContactID"])
    credit = client.creditnotes.put(
        {
            "Type": "ACCRECCREDIT",
            "Contact": {"ContactID": contact["ContactID"]},
            "Date": date(2026, 3, 2),
            "Status": "AUTHORISED",
            "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": "12.00", "AccountCode": "200"}],
        }
    )[0]

    payment = client.payments.put(
        {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": "090"},
            "Date": date(2026, 3, 3),
            "Amount": "100.00",
        }
    )[0]
    client.creditnotes.put_allocation(
        credit["CreditNoteID"],
        {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Amount": "14.40",
            "Date": date(2026, 3, 3),
        },
    )

    settled = client.invoices.get(invoice["InvoiceID"])[0]
    assert Decimal(str(payment["Amount"])) == Decimal("100.00")
    assert Decimal(str(settled["AmountDue"])) == Decimal("240.00") - Decimal("100.00") - Decimal("14.40")


def test_items_read_and_xml_lines_are_checked_against_the_catalogue(client, sandbox, credentials):
    sandbox.load(
        credentials.tenant_id,
        {
            "Items": [{"Code": "HOUR", "Name": "Hour", "SalesDetails": {"UnitPrice": 95, "AccountCode": "200"}}],
            "TrackingCategories": [{"Name": "Region", "Options": ["North", {"Name": "West", "Status": "ARCHIVED"}]}],
        },
    )
    contact = client.contacts.put({"Name": "Catalogue Ltd"})[0]
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "Date": date(2026, 3, 1),
        "DueDate": date(2026, 3, 31),
        "LineItems": [{"ItemCode": "HOUR", "Quantity": 3, "Tracking": [{"Name": "Region", "Option": "North"}]}],
    }

    items = client.items.all()
    created = client.invoices.put(invoice)[0]
    with pytest.raises(XeroBadRequest) as refused:
        client.invoices.put({**invoice, "LineItems": [{"ItemCode": "NO-SUCH", "Quantity": 1}]})
    with pytest.raises(XeroBadRequest) as archived:
        client.invoices.put(
            {**invoice, "LineItems": [{"ItemCode": "HOUR", "Tracking": [{"Name": "Region", "Option": "West"}]}]}
        )

    assert [item["Code"] for item in items] == ["HOUR"]
    assert Decimal(str(created["SubTotal"])) == Decimal("285.00")
    assert created["LineItems"][0]["Tracking"][0]["Option"] == "North"
    assert refused.value.errors == ["Item code 'NO-SUCH' is not valid"]
    assert archived.value.errors == [
        "Unknown tracking details. A Tracking Option did not match a known Active TrackingOption for 'Region'"
    ]


def test_xml_item_write_reads_back(client, sandbox):
    created = client.items.put(
        {
            "Code": "XML-1",
            "Name": "Xml item",
            "IsSold": True,
            "SalesDetails": {"UnitPrice": "12.50", "AccountCode": "200"},
        }
    )[0]
    sent = _last_call(sandbox, "PUT")

    read = client.items.get(created["ItemID"])[0]

    assert sent["request_body"].startswith("<Item>")
    assert (read["Code"], Decimal(str(read["SalesDetails"]["UnitPrice"]))) == ("XML-1", Decimal("12.50"))
