"""The contract validator (tests/xero_contract.py) on hand-made calls, then a sweep of the running sandbox."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests

from tests.sandbox import SandboxControl, SandboxProcess
from tests.xero_contract import (
    KNOWN_SPEC_DEVIATIONS,
    ContractValidator,
    contract_validator,
    load_spec,
    spec_dir,
    validate_call,
)
from tests.xero_records import invoice_element, line, xero_invoice

TENANT_ID = "b1f6c0a4-7e7b-4c43-9d4f-6a4c1e0f0001"
CONTACT_ID = "b1f6c0a4-7e7b-4c43-9d4f-6a4c1e0f0002"
INVOICE_ID = "b1f6c0a4-7e7b-4c43-9d4f-6a4c1e0f0003"
ACCOUNTING = "/api/api.xro/2.0"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
REQUEST_HEADERS = {"accept": "application/json", "xero-tenant-id": TENANT_ID, "authorization": "[redacted]"}
ENVELOPE = {
    "Id": "0f8c6a4e-1d63-4d1c-9b84-6b2f4c8f0a11",
    "Status": "OK",
    "ProviderName": "Capsync",
    "DateTimeUTC": "/Date(1584585851380)/",
}


def recorded(*, method: str = "GET", path: str, status: int = 200, body: object, **extra: object) -> dict:
    """A call as GET /_sandbox/calls?bodies=1 records it."""
    call = {
        "method": method,
        "path": path,
        "query": {},
        "status": status,
        "request_headers": dict(REQUEST_HEADERS),
        "request_body": None,
        "response_headers": dict(JSON_HEADERS),
        "response_body": json.dumps(body),
    }
    call.update(extra)
    return call


def contacts_body() -> dict:
    contact = {
        "ContactID": CONTACT_ID,
        "Name": "Ridgeway University",
        "ContactStatus": "ACTIVE",
        "EmailAddress": "accounts@ridgeway.example",
        "UpdatedDateUTC": "/Date(1584585851380+0000)/",
        "IsCustomer": True,
        "Balances": {"AccountsReceivable": {"Outstanding": 760.0, "Overdue": 0.0}},
    }
    return {
        **ENVELOPE,
        "Contacts": [contact],
        "pagination": {"page": 1, "pageSize": 100, "pageCount": 1, "itemCount": 1},
    }


def invoice() -> dict:
    return xero_invoice(
        contact={"ContactID": CONTACT_ID, "Name": "Ridgeway University"},
        invoice_id=INVOICE_ID,
        number="INV-0001",
        total="240.00",
        tax="40.00",
        issued=date(2019, 3, 11),
        due=date(2019, 3, 25),
        updated=datetime(2020, 3, 19, 2, 44, 11, 380000, tzinfo=UTC),
        LineItems=[{"Description": "Consulting", "Quantity": 2.0, "UnitAmount": 100.0, "LineAmount": 200.0}],
    )


def connection() -> dict:
    return {
        "id": "7cb59f93-2964-421d-bb5e-a0f7a4572a44",
        "authEventId": "d99ecdfe-391d-43d2-b834-17636ba90e8d",
        "tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58",
        "tenantName": "Demo Company (NZ)",
        "tenantType": "ORGANISATION",
        "createdDateUtc": "2019-12-07T18:46:19.5165400",
        "updatedDateUtc": "2019-12-07T18:46:19.5187840",
    }


def token_body() -> dict:
    return {
        "id_token": "eyJ.a.b",
        "access_token": "eyJ.c.d",
        "expires_in": 1800,
        "token_type": "Bearer",
        "refresh_token": "0f2b8c",
        "scope": "openid offline_access accounting.contacts",
    }


# --- responses that conform ---------------------------------------------------------------------------------


def test_valid_contacts_page_passes():
    call = recorded(path=f"{ACCOUNTING}/Contacts", body=contacts_body(), query={"page": ["1"], "pageSize": ["100"]})

    assert validate_call(call) == []


def test_valid_invoice_by_id_passes():
    call = recorded(path=f"{ACCOUNTING}/Invoices/{INVOICE_ID}", body={**ENVELOPE, "Invoices": [invoice()]})

    assert validate_call(call) == []


def test_validation_exception_400_passes():
    element = {**invoice(), "ValidationErrors": [{"Message": "Email address must be valid."}]}
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [element],
    }
    call = recorded(method="PUT", path=f"{ACCOUNTING}/Invoices", status=400, body=body)

    assert validate_call(call) == []


def test_connections_array_passes():
    call = recorded(path="/api/connections", body=[connection()])

    assert validate_call(call) == []


def test_capitalised_connections_path_is_validated_too():
    bad = {**connection(), "tenantId": 42}
    call = recorded(path="/api/Connections", body=[bad])

    assert any("/0/tenantId" in message for message in validate_call(call))


def test_token_response_with_scope_passes():
    call = recorded(method="POST", path="/identity/connect/token", body=token_body())

    assert validate_call(call) == []


# --- responses that break the spec ---------------------------------------------------------------------------


def test_invoice_status_overdue_is_reported_naming_the_field():
    body = {**ENVELOPE, "Invoices": [{**invoice(), "Status": "OVERDUE"}]}
    call = recorded(path=f"{ACCOUNTING}/Invoices", body=body)

    problems = validate_call(call)

    assert len(problems) == 1
    assert "/Invoices/0/Status" in problems[0]
    assert "[enum]" in problems[0]
    assert "'OVERDUE'" in problems[0]
    assert problems[0].startswith(f"GET {ACCOUNTING}/Invoices -> 200")


def test_quote_line_amount_types_in_invoice_casing_is_reported():
    quote = {
        "QuoteID": INVOICE_ID,
        "Contact": {"ContactID": CONTACT_ID},
        "Status": "DRAFT",
        "LineAmountTypes": "Exclusive",
    }
    call = recorded(path=f"{ACCOUNTING}/Quotes", body={**ENVELOPE, "Quotes": [quote]})

    problems = validate_call(call)

    assert [p for p in problems if "/Quotes/0/LineAmountTypes" in p and "[enum]" in p]


def test_missing_required_field_is_reported():
    allocation = {"Invoice": {"InvoiceID": INVOICE_ID}, "Date": "/Date(1552262400000+0000)/"}  # no Amount
    credit_note = {"CreditNoteID": INVOICE_ID, "Type": "ACCRECCREDIT", "Allocations": [allocation]}
    call = recorded(path=f"{ACCOUNTING}/CreditNotes", body={**ENVELOPE, "CreditNotes": [credit_note]})

    problems = validate_call(call)

    assert len(problems) == 1
    assert "/CreditNotes/0/Allocations/0" in problems[0]
    assert "[required]" in problems[0]
    assert "'Amount'" in problems[0]


def test_iso_date_in_an_msdate_response_field_is_reported():
    body = {**ENVELOPE, "Invoices": [{**invoice(), "DueDate": "2019-03-25"}]}
    call = recorded(path=f"{ACCOUNTING}/Invoices", body=body)

    problems = validate_call(call)

    assert len(problems) == 1
    assert "/Invoices/0/DueDate" in problems[0]
    assert "xero-msdate" in problems[0]


def test_iso_date_in_an_msdate_request_field_is_accepted():
    request_body = json.dumps(
        {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": CONTACT_ID}, "Date": "2019-03-11"}]}
    )
    call = recorded(
        method="PUT",
        path=f"{ACCOUNTING}/Invoices",
        body={**ENVELOPE, "Invoices": [invoice()]},
        request_body=request_body,
        request_headers={**REQUEST_HEADERS, "content-type": "application/json"},
    )

    assert validate_call(call) == []


def put_invoices_call(element: dict) -> dict:
    return recorded(
        method="PUT",
        path=f"{ACCOUNTING}/Invoices",
        body={**ENVELOPE, "Invoices": [invoice()]},
        request_body=json.dumps({"Invoices": [element]}),
        request_headers={**REQUEST_HEADERS, "content-type": "application/json"},
    )


def test_sdk_default_has_attachments_false_in_a_request_is_excused():
    call = put_invoices_call({"Type": "ACCREC", "Contact": {"ContactID": CONTACT_ID}, "HasAttachments": False})

    assert validate_call(call) == []


def test_other_read_only_fields_in_a_request_are_reported():
    call = put_invoices_call({"Type": "ACCREC", "Contact": {"ContactID": CONTACT_ID}, "Total": 240.0})

    problems = validate_call(call)

    assert len(problems) == 1
    assert "request at /Invoices/0/Total: [readOnly]" in problems[0]


def test_wrong_number_type_is_reported():
    body = contacts_body()
    body["Contacts"][0]["Balances"]["AccountsReceivable"]["Outstanding"] = "760.00"
    call = recorded(path=f"{ACCOUNTING}/Contacts", body=body)

    problems = validate_call(call)

    assert len(problems) == 1
    assert "/Contacts/0/Balances/AccountsReceivable/Outstanding" in problems[0]
    assert "[type]" in problems[0]


def test_connection_with_non_uuid_tenant_id_is_reported():
    call = recorded(path="/api/connections", body=[{**connection(), "tenantId": "not-a-uuid"}])

    problems = validate_call(call)

    assert len(problems) == 1
    assert "/0/tenantId" in problems[0]
    assert "[format]" in problems[0]


def test_connections_zone_less_dates_pass_only_through_the_known_deviation():
    directory = spec_dir()
    strict = ContractValidator(
        accounting=load_spec(directory / "xero_accounting.yaml"),
        identity=load_spec(directory / "xero-identity.yaml"),
        deviations=(),
    )
    call = recorded(path="/api/connections", body=[connection()])

    problems = strict.validate_call(call)

    assert sorted(p.split(":")[1].strip() for p in problems) == [
        "response at /0/createdDateUtc",
        "response at /0/updatedDateUtc",
    ]


def test_connections_date_that_is_not_xero_shaped_is_still_reported():
    call = recorded(path="/api/connections", body=[{**connection(), "createdDateUtc": "07/12/2019 18:46"}])

    problems = validate_call(call)

    assert len(problems) == 1
    assert "/0/createdDateUtc" in problems[0]


def test_unauthorised_without_problem_json_is_reported():
    call = recorded(path=f"{ACCOUNTING}/Contacts", status=401, body={"message": "nope"})

    problems = validate_call(call)

    assert any("/Title" in p for p in problems)
    assert any("/Status" in p for p in problems)


def test_forbidden_problem_json_passes():
    body = {
        "Type": None,
        "Title": "Forbidden",
        "Status": 403,
        "Detail": "AuthenticationUnsuccessful",
        "Instance": ENVELOPE["Id"],
        "Extensions": {},
    }
    call = recorded(path=f"{ACCOUNTING}/Contacts", status=403, body=body)

    assert validate_call(call) == []


def test_rate_limited_without_problem_header_is_reported():
    call = recorded(path=f"{ACCOUNTING}/Contacts", status=429, body={}, response_headers={"Retry-After": "30"})

    problems = validate_call(call)

    assert len(problems) == 1
    assert "X-Rate-Limit-Problem" in problems[0]


def test_html_answer_to_a_json_request_is_reported():
    call = recorded(
        path=f"{ACCOUNTING}/Contacts",
        body=None,
        response_body="<html>oops</html>",
        response_headers={"Content-Type": "text/html"},
    )

    problems = validate_call(call)

    assert len(problems) == 1
    assert "[content-type]" in problems[0]


def test_unknown_operation_answered_with_200_is_reported():
    call = recorded(path=f"{ACCOUNTING}/Opportunities", body={**ENVELOPE, "Opportunities": []})

    problems = validate_call(call)

    assert len(problems) == 1
    assert "[path]" in problems[0]


def test_request_without_tenant_header_is_reported_when_it_succeeded():
    headers = {"accept": "application/json", "authorization": "[redacted]"}
    call = recorded(path=f"{ACCOUNTING}/Contacts", body=contacts_body(), request_headers=headers)

    problems = validate_call(call)

    assert len(problems) == 1
    assert problems[0].startswith(f"GET {ACCOUNTING}/Contacts -> 200: request")
    assert "xero-tenant-id" in problems[0]


def test_token_response_without_scope_is_reported():
    body = token_body()
    del body["scope"]
    call = recorded(method="POST", path="/identity/connect/token", body=body)

    problems = validate_call(call)

    assert len(problems) == 1
    assert "/scope" in problems[0]


def test_token_error_without_oauth_error_field_is_reported():
    call = recorded(method="POST", path="/identity/connect/token", status=400, body={"message": "bad"})

    assert len(validate_call(call)) == 1


# --- what is not checked ------------------------------------------------------------------------------------


def test_xml_responses_are_not_checked():
    call = recorded(
        path=f"{ACCOUNTING}/Contacts",
        body=None,
        response_body="<Response><Contacts/></Response>",
        request_headers={"xero-tenant-id": TENANT_ID},
        response_headers={"Content-Type": "text/xml; charset=utf-8"},
    )

    assert validate_call(call) == []


def test_bad_request_bodies_are_not_checked_when_xero_refused_them():
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [],
    }
    call = recorded(
        method="PUT", path=f"{ACCOUNTING}/Contacts", status=400, body=body, request_body='{"Contacts": "nope"}'
    )

    assert validate_call(call) == []


def test_sandbox_control_and_login_calls_are_not_checked():
    control = recorded(method="POST", path="/_sandbox/load", body={"loaded": {"Contacts": 1}})
    login = recorded(path="/login/identity/connect/authorize", body=None, response_body="<html></html>")

    assert validate_call(control) == validate_call(login) == []


def test_known_spec_deviations_each_give_a_reason():
    assert KNOWN_SPEC_DEVIATIONS
    assert all(len(deviation.reason) > 40 for deviation in KNOWN_SPEC_DEVIATIONS)


def test_parsed_spec_is_cached_and_reused(tmp_path: Path):
    source = spec_dir() / "xero-identity.yaml"

    first = load_spec(source, cache_dir=tmp_path)
    second = load_spec(source, cache_dir=tmp_path)

    assert len(list(tmp_path.glob("xero-identity-*.pickle"))) == 1
    assert first == second
    assert first["paths"]["/Connections"]["get"]["operationId"] == "getConnections"


def test_contract_validator_is_built_once_per_session():
    assert contract_validator() is contract_validator()


def test_msdate_fields_get_a_checked_format():
    accounting = load_spec(spec_dir() / "xero_accounting.yaml")

    updated = accounting["components"]["schemas"]["Invoice"]["properties"]["UpdatedDateUTC"]

    assert updated["format"] == "xero-msdate-time"


def test_validation_leaves_the_call_unchanged():
    call = recorded(path=f"{ACCOUNTING}/Contacts", body=contacts_body())
    before = copy.deepcopy(call)

    validate_call(call)

    assert call == before


# --- sweep: every endpoint of a demo-seeded sandbox, checked against the spec -------------------------------

DEMO_APP = {"client_id": "capsync-demo", "client_secret": "demo-secret", "user_email": "demo@example.com"}
DEMO_REDIRECT_URI = "http://127.0.0.1:8000/integrations/xero/callback/"
LATEST = 2**62  # a since_id past every call: the log answers with only last_id


@dataclass(frozen=True)
class DemoSession:
    """A demo-seeded sandbox process with the demo app connected to both demo organisations (calls go to the UK one)."""

    control: SandboxControl
    token: dict
    tenants: dict[str, str]  # name -> tenant id

    @property
    def access_token(self) -> str:
        return self.token["access_token"]

    @property
    def tenant_id(self) -> str:
        return self.tenants["Demo Company (UK)"]

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return self.control.api(method, path, access_token=self.access_token, tenant_id=self.tenant_id, **kwargs)

    def first(self, collection: str, id_field: str, **params: str) -> str:
        records = self.api("GET", collection, params=params).json()[collection]
        return records[0][id_field]


@contextmanager
def demo_session() -> Iterator[DemoSession]:
    """Start a demo-seeded sandbox process and connect the demo app to both demo organisations."""
    process = SandboxProcess(["--port", "0", "--seed", "demo", "--rate-limits", "off", "--record-bodies"])
    try:
        control = SandboxControl(process.url)
        tenants = {t["name"]: t["tenant_id"] for t in control.state()["tenants"]}
        connected = control.connect(
            DEMO_APP["client_id"],
            DEMO_APP["client_secret"],
            DEMO_REDIRECT_URI,
            list(tenants.values()),
            user_email=DEMO_APP["user_email"],
        )
        yield DemoSession(control, connected["token"], tenants)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoSession]:
    with demo_session() as session:
        yield session


def violations_during(demo: DemoSession, action: Callable[[], object]) -> list[str]:
    """Run action against the demo sandbox; return the contract violations of every call it made."""
    since = demo.control.calls(since_id=LATEST)["last_id"]
    action()
    calls = demo.control.calls(since_id=since, bodies=True)["calls"]
    assert calls, "the action made no sandbox calls"
    return [message for call in calls for message in validate_call(call)]


READS = [
    ("Organisation", {}),
    ("Currencies", {}),
    ("Contacts", {}),
    ("Contacts", {"page": "1"}),
    ("Contacts", {"page": "2", "pageSize": "5"}),
    ("Contacts", {"page": "99"}),
    ("Contacts", {"includeArchived": "true", "summaryOnly": "true"}),
    ("Contacts", {"searchTerm": "ltd", "order": "Name DESC"}),
    ("Invoices", {}),
    ("Invoices", {"page": "1"}),
    ("Invoices", {"page": "2", "pageSize": "10"}),
    ("Invoices", {"Statuses": "AUTHORISED,PAID", "page": "1"}),
    ("Invoices", {"where": 'Type=="ACCREC" AND Status=="AUTHORISED"', "order": "UpdatedDateUTC DESC"}),
    ("Invoices", {"summaryOnly": "true", "unitdp": "4"}),
    ("CreditNotes", {}),
    ("CreditNotes", {"page": "1", "pageSize": "1"}),
    ("Payments", {}),
    ("Payments", {"page": "1", "pageSize": "3"}),
    ("Quotes", {}),
    ("Quotes", {"page": "1"}),
    ("Quotes", {"Status": "DRAFT"}),
    ("Items", {}),
    ("Items", {"unitdp": "4", "where": "IsSold==true", "order": "Name"}),
    ("Accounts", {"where": 'Status=="ARCHIVED"'}),
    ("TaxRates", {}),
    ("TrackingCategories", {}),
    ("TrackingCategories", {"includeArchived": "true"}),
    ("BrandingThemes", {}),
]


@pytest.mark.parametrize(("collection", "params"), READS, ids=lambda v: str(v) if isinstance(v, str) else repr(v))
def test_sweep_list_conforms(demo: DemoSession, collection: str, params: dict[str, str]):
    assert violations_during(demo, lambda: demo.api("GET", collection, params=params)) == []


@pytest.mark.parametrize(
    "collection", ["Contacts", "Invoices", "CreditNotes", "Payments", "Quotes", "Items", "Accounts"]
)
def test_sweep_if_modified_since_conforms(demo: DemoSession, collection: str):
    headers = {"If-Modified-Since": "2020-02-06T12:17:43.202-08:00"}

    assert violations_during(demo, lambda: demo.api("GET", collection, headers=headers)) == []


@pytest.mark.parametrize(
    ("collection", "id_field"),
    [
        ("Contacts", "ContactID"),
        ("Invoices", "InvoiceID"),
        ("CreditNotes", "CreditNoteID"),
        ("Payments", "PaymentID"),
        ("Quotes", "QuoteID"),
        ("Items", "ItemID"),
        ("Accounts", "AccountID"),
        ("TrackingCategories", "TrackingCategoryID"),
        ("BrandingThemes", "BrandingThemeID"),
    ],
)
def test_sweep_single_item_conforms(demo: DemoSession, collection: str, id_field: str):
    record_id = demo.first(collection, id_field)

    assert violations_during(demo, lambda: demo.api("GET", f"{collection}/{record_id}")) == []


def test_sweep_connections_conform(demo: DemoSession):
    def list_connections() -> None:
        headers = {"Authorization": f"Bearer {demo.access_token}", "Accept": "application/json"}
        demo.control.http.get(f"{demo.control.api_url}/connections", headers=headers, timeout=30)

    assert violations_during(demo, list_connections) == []


def test_sweep_unknown_record_is_a_plain_404(demo: DemoSession):
    response = demo.api("GET", "Invoices/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404


def new_contact(name: str) -> dict:
    return {"Name": name, "EmailAddress": "ap@example.com", "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "0123"}]}


def draft_invoice(contact_id: str, *, date: str = "2026-03-01") -> dict:
    return invoice_element(
        contact_id=contact_id,
        issued=date,
        LineAmountTypes="Exclusive",
        line_items=[line(description="Consulting", quantity=2, unit_amount=150.5)],
    )


def test_sweep_put_contacts_conforms(demo: DemoSession):
    action = lambda: demo.api("PUT", "Contacts", json={"Contacts": [new_contact("Sweep Put Ltd")]})  # noqa: E731

    assert violations_during(demo, action) == []


def test_sweep_post_contact_update_and_archive_conform(demo: DemoSession):
    created = demo.api("PUT", "Contacts", json={"Contacts": [new_contact("Sweep Archive Ltd")]}).json()
    contact_id = created["Contacts"][0]["ContactID"]

    def update_then_archive() -> None:
        demo.api("POST", "Contacts", json={"Contacts": [{"ContactID": contact_id, "FirstName": "Ada"}]})
        demo.api("POST", f"Contacts/{contact_id}", json={"Contacts": [{"ContactStatus": "ARCHIVED"}]})

    assert violations_during(demo, update_then_archive) == []


def test_sweep_duplicate_contact_name_400_conforms(demo: DemoSession):
    name = demo.api("GET", "Contacts").json()["Contacts"][0]["Name"]
    responses: list[requests.Response] = []

    problems = violations_during(
        demo, lambda: responses.append(demo.api("PUT", "Contacts", json={"Contacts": [{"Name": name}]}))
    )

    assert responses[0].status_code == 400
    assert problems == []


def test_sweep_summarize_errors_false_conforms(demo: DemoSession):
    name = demo.api("GET", "Contacts").json()["Contacts"][0]["Name"]
    body = {"Contacts": [{"Name": name}, new_contact("Sweep Mixed Ltd")]}
    responses: list[requests.Response] = []

    problems = violations_during(
        demo, lambda: responses.append(demo.api("PUT", "Contacts", params={"summarizeErrors": "false"}, json=body))
    )

    assert responses[0].status_code == 200
    assert problems == []


def test_sweep_invoice_create_update_conforms(demo: DemoSession):
    contact_id = demo.first("Contacts", "ContactID")

    def create_then_authorise() -> None:
        created = demo.api("PUT", "Invoices", json={"Invoices": [draft_invoice(contact_id)]}).json()
        invoice_id = created["Invoices"][0]["InvoiceID"]
        demo.api("POST", f"Invoices/{invoice_id}", json={"Invoices": [{"Status": "AUTHORISED"}]})
        demo.api("POST", "Invoices", json={"Invoices": [{"InvoiceID": invoice_id, "Reference": "PO-7"}]})

    assert violations_during(demo, create_then_authorise) == []


def test_sweep_invoice_with_sdk_style_dates_conforms(demo: DemoSession):
    contact_id = demo.first("Contacts", "ContactID")
    invoice = draft_invoice(contact_id, date="/Date(1772323200000)/")

    assert violations_during(demo, lambda: demo.api("PUT", "Invoices", json={"Invoices": [invoice]})) == []


def test_sweep_invoice_validation_error_conforms(demo: DemoSession):
    invalid = {"Type": "ACCREC", "LineItems": []}
    responses: list[requests.Response] = []

    problems = violations_during(
        demo, lambda: responses.append(demo.api("PUT", "Invoices", json={"Invoices": [invalid]}))
    )

    assert responses[0].status_code == 400
    assert problems == []


def authorised_invoice(demo: DemoSession) -> dict:
    contact_id = demo.first("Contacts", "ContactID")
    invoice = {**draft_invoice(contact_id), "Status": "AUTHORISED"}
    return demo.api("PUT", "Invoices", json={"Invoices": [invoice]}).json()["Invoices"][0]


def test_sweep_payments_create_and_delete_conform(demo: DemoSession):
    invoice = authorised_invoice(demo)
    payment = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-03-05"}

    def pay_then_delete() -> None:
        demo.api("PUT", "Payments", json={"Payments": [{**payment, "Amount": 10}]})
        single = demo.api("POST", "Payments", json={**payment, "Amount": 20}).json()
        demo.api("POST", f"Payments/{single['Payments'][0]['PaymentID']}", json={"Status": "DELETED"})

    assert violations_during(demo, pay_then_delete) == []


def test_sweep_credit_note_allocation_conforms(demo: DemoSession):
    invoice = authorised_invoice(demo)
    credit_note = {
        "Type": "ACCRECCREDIT",
        "Status": "AUTHORISED",
        "Contact": {"ContactID": invoice["Contact"]["ContactID"]},
        "Date": "2026-03-02",
        "LineAmountTypes": "Exclusive",
        "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": 25, "AccountCode": "200"}],
    }

    def credit_then_allocate() -> None:
        created = demo.api("PUT", "CreditNotes", json={"CreditNotes": [credit_note]}).json()
        credit_note_id = created["CreditNotes"][0]["CreditNoteID"]
        allocation = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 5, "Date": "2026-03-05"}
        demo.api("PUT", f"CreditNotes/{credit_note_id}/Allocations", json={"Allocations": [allocation]})

    assert violations_during(demo, credit_then_allocate) == []


def test_sweep_quotes_create_and_update_conform(demo: DemoSession):
    contact_id = demo.first("Contacts", "ContactID")
    quote = {
        "Contact": {"ContactID": contact_id},
        "Date": "2026-03-01",
        "ExpiryDate": "2026-03-31",
        "Title": "Sweep quote",
        "LineAmountTypes": "EXCLUSIVE",
        "LineItems": [{"Description": "Design", "Quantity": 1, "UnitAmount": 500, "AccountCode": "200"}],
    }

    def create_then_send() -> None:
        created = demo.api("PUT", "Quotes", json={"Quotes": [quote]}, headers={"Idempotency-Key": "sweep-quote-1"})
        quote_id = created.json()["Quotes"][0]["QuoteID"]
        demo.api("POST", f"Quotes/{quote_id}", json={"Quotes": [{**quote, "Status": "SENT"}]})

    assert violations_during(demo, create_then_send) == []
