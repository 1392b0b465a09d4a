"""Every kind of accounting response handle() produces validates against Xero's OpenAPI spec (in-process)."""

from datetime import UTC, date, datetime

import pytest

from tests.xero_contract import validate_call
from tests.xero_sandbox.accounting_api import Api
from xero_sandbox import jsonutil, seed
from xero_sandbox.accounting import handle, organisation_record

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def api() -> Api:
    organisation = organisation_record(
        tenant_id="9d1c0000-0000-4000-8000-000000000001",
        name="Demo Company (UK)",
        base_currency="GBP",
        short_code="!aB3cD",
        timezone="Europe/London",
        country_code="GB",
        created=datetime(2025, 1, 1, tzinfo=UTC),
    )
    data = seed.demo_tenant_data(which="uk", tenant_id="t", organisation=organisation, today=date(2026, 3, 2))
    return Api(data=data, now=NOW)


def _check(api: Api, method: str, path: str, body=None, query: dict[str, str] | None = None) -> list[str]:
    raw = b"" if body is None else jsonutil.dumps(body)
    result = handle(
        data=api.data,
        method=method,
        path=path.split("/"),
        query={k: [v] for k, v in (query or {}).items()},
        headers={"accept": "application/json"},
        body=raw,
        now=api.now,
        app_name="Capsync",
    )
    response = result.body
    if result.status == 200:
        response = {
            "Id": "0b5e1f0e-0000-4000-8000-000000000000",
            "Status": "OK",
            "ProviderName": "Capsync",
            "DateTimeUTC": "/Date(1772442000000)/",
            **response,
        }
    call = {
        "method": method,
        "path": f"/api/api.xro/2.0/{path}",
        "query": query or {},
        "status": result.status,
        "request_headers": {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "xero-tenant-id": "9d1c0000-0000-4000-8000-000000000001",
        },
        "request_body": raw.decode() if raw else None,
        "response_headers": {"Content-Type": result.headers.get("Content-Type", "application/json; charset=utf-8")},
        "response_body": jsonutil.dumps(response).decode() if isinstance(response, dict) else response,
    }
    return validate_call(call)


def _first_id(api: Api, collection: str, id_field: str) -> str:
    return next(iter(api.data.collections[collection].records.values()))[id_field]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("Organisation", None),
        ("Currencies", None),
        ("Contacts", None),
        ("Contacts", {"page": "1", "pageSize": "5"}),
        ("Contacts", {"summaryOnly": "true", "includeArchived": "true"}),
        ("Invoices", None),
        ("Invoices", {"page": "1"}),
        ("Invoices", {"page": "1", "summaryOnly": "true"}),
        ("CreditNotes", {"page": "1"}),
        ("Payments", {"page": "1"}),
        ("Quotes", None),
        ("Quotes", {"page": "1"}),
        ("Items", None),
        ("Items", {"unitdp": "4"}),
        ("Accounts", None),
        ("TaxRates", None),
        ("TaxRates/OUTPUT2", None),
        ("TrackingCategories", {"includeArchived": "true"}),
        ("BrandingThemes", None),
    ],
)
def test_list_responses_follow_the_spec(api, path, query):
    assert _check(api, "GET", path, query=query) == []


@pytest.mark.parametrize(
    ("collection", "id_field"),
    [
        ("Contacts", "ContactID"),
        ("Invoices", "InvoiceID"),
        ("CreditNotes", "CreditNoteID"),
        ("Payments", "PaymentID"),
        ("Quotes", "QuoteID"),
        ("Items", "ItemID"),
    ],
)
def test_get_one_responses_follow_the_spec(api, collection, id_field):
    assert _check(api, "GET", f"{collection}/{_first_id(api, collection, id_field)}") == []


def test_validation_error_follows_the_spec(api):
    assert _check(api, "PUT", "Contacts", {"Contacts": [{"Name": ""}]}) == []


def test_summarize_errors_false_follows_the_spec(api):
    body = {"Contacts": [{"Name": "Spec Check Ltd"}, {"Name": ""}]}

    assert _check(api, "PUT", "Contacts", body, query={"summarizeErrors": "false"}) == []


def test_write_responses_follow_the_spec(api):
    contact = api.contact("Contract Check Ltd")
    invoice = api.invoice(contact["ContactID"], amount="100.00")
    credit = {
        "CreditNotes": [
            {
                "Type": "ACCRECCREDIT",
                "Contact": {"ContactID": contact["ContactID"]},
                "Date": "2026-03-01",
                "Status": "AUTHORISED",
                "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10}],
            }
        ]
    }
    credit_id = api.put("CreditNotes", credit).body["CreditNotes"][0]["CreditNoteID"]
    payment = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Date": "2026-03-02",
        "Amount": 10,
    }
    quote = {
        "Quotes": [
            {
                "Contact": {"ContactID": contact["ContactID"]},
                "Date": "2026-03-01",
                "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10}],
            }
        ]
    }

    violations = [
        *_check(
            api,
            "PUT",
            "Invoices",
            {
                "Invoices": [
                    {
                        "Type": "ACCREC",
                        "Contact": {"ContactID": contact["ContactID"]},
                        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 5}],
                    }
                ]
            },
        ),
        *_check(api, "POST", "Payments", payment),
        *_check(
            api,
            "PUT",
            f"CreditNotes/{credit_id}/Allocations",
            {"Allocations": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 5, "Date": "2026-03-02"}]},
        ),
        *_check(api, "PUT", "Quotes", quote),
        *_check(api, "PUT", "Currencies", {"Code": "AUD"}),
    ]

    assert violations == []


def test_failed_invoice_echo_follows_the_spec_with_summarize_errors_false(api):
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"Name": "Echo Ltd"},
                "Date": "2026-03-01",
                "DueDate": "2026-03-31",
                "Status": "AUTHORISED",
                "LineItems": [],
            }
        ]
    }

    assert _check(api, "PUT", "Invoices", body, query={"summarizeErrors": "false"}) == []


def test_invoice_from_items_with_tracking_follows_the_spec(api):
    contact = api.contact("Catalogue Check Ltd")
    tracked = {"ItemCode": "CONSULT-DAY", "Quantity": 1, "Tracking": [{"Name": "Region", "Option": "North"}]}
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact["ContactID"]},
                "Date": "2026-03-01",
                "DueDate": "2026-03-31",
                "Status": "AUTHORISED",
                "LineItems": [tracked, {"ItemCode": "API-1K", "Quantity": 1000}],
            },
            {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "LineItems": [{"ItemCode": "OLD-KIT"}]},
        ]
    }

    assert _check(api, "PUT", "Invoices", body, query={"summarizeErrors": "false", "unitdp": "4"}) == []
    assert _check(api, "PUT", "Invoices", {"Invoices": body["Invoices"][1:]}) == []


def test_item_writes_follow_the_spec(api):
    item = {"Code": "SPEC-1", "Name": "Spec item", "SalesDetails": {"UnitPrice": 12.5, "AccountCode": "200"}}
    broken = {"Code": "SPEC-2", "SalesDetails": {"AccountCode": "999"}}

    created = _check(api, "PUT", "Items", {"Items": [item]})
    item_id = api.get("Items/SPEC-1").body["Items"][0]["ItemID"]

    assert created == []
    assert _check(api, "POST", f"Items/{item_id}", {"Items": [{"Code": "SPEC-1", "Name": "Spec item 2"}]}) == []
    assert _check(api, "POST", "Items", {"Items": [broken]}, query={"summarizeErrors": "false"}) == []
    assert _check(api, "PUT", "Items", {"Items": [broken]}) == []
