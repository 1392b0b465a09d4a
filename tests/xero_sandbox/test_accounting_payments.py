from decimal import Decimal

import pytest

from tests.xero_records import payment_element


@pytest.fixture
def invoice(api) -> dict:
    contact = api.contact("Acme Ltd")
    return api.invoice(contact["ContactID"], amount="100.00")  # total 120.00 with VAT


def test_payment_reduces_amount_due_and_bumps_the_invoice(api, invoice):
    api.advance(60)

    result = api.put(
        "Payments", {"Payments": [payment_element(invoice_id=invoice["InvoiceID"], amount=Decimal("20.00"))]}
    )

    stored = api.get(f"Invoices/{invoice['InvoiceID']}").body["Invoices"][0]
    assert result.body["Payments"][0]["PaymentType"] == "ACCRECPAYMENT"
    assert (stored["AmountPaid"], stored["AmountDue"], stored["Status"]) == (20, 100, "AUTHORISED")
    assert stored["UpdatedDateUTC"] != invoice["UpdatedDateUTC"]
    assert [p["Amount"] for p in stored["Payments"]] == [20]
    assert [(e.category, e.event_type) for e in result.events] == [("INVOICE", "UPDATE")]


def test_full_payment_marks_paid_with_fully_paid_date(api, invoice):
    api.put(
        "Payments",
        {"Payments": [payment_element(invoice_id=invoice["InvoiceID"], amount=Decimal("120.00"), Date="2026-03-05")]},
    )

    stored = api.get(f"Invoices/{invoice['InvoiceID']}").body["Invoices"][0]

    assert stored["Status"] == "PAID"
    assert stored["FullyPaidOnDate"] == "/Date(1772668800000+0000)/"


def test_post_accepts_a_single_bare_payment(api, invoice):
    result = api.post("Payments", payment_element(invoice_id=invoice["InvoiceID"]))

    assert result.status == 200
    assert len(result.body["Payments"]) == 1


def test_post_accepts_a_wrapped_payment(api, invoice):
    result = api.post("Payments", {"Payments": [payment_element(invoice_id=invoice["InvoiceID"])]})

    assert result.status == 200


def test_invoice_number_identifies_the_invoice(api, invoice):
    element = payment_element(invoice_id="x")
    element["Invoice"] = {"InvoiceNumber": invoice["InvoiceNumber"]}

    result = api.put("Payments", {"Payments": [element]})

    assert result.body["Payments"][0]["Invoice"]["InvoiceID"] == invoice["InvoiceID"]


def test_account_by_id_is_accepted(api, invoice):
    account_id = api.data.find_account(account_id=None, code="091")["AccountID"]

    result = api.put(
        "Payments", {"Payments": [payment_element(invoice_id=invoice["InvoiceID"], Account={"AccountID": account_id})]}
    )

    assert result.body["Payments"][0]["Account"]["Code"] == "091"


def test_unknown_account_code_is_refused(api, invoice):
    result = api.put(
        "Payments", {"Payments": [payment_element(invoice_id=invoice["InvoiceID"], Account={"Code": "999"})]}
    )

    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"] == "Account could not be found."


def test_non_bank_account_is_refused(api, invoice):
    result = api.put(
        "Payments", {"Payments": [payment_element(invoice_id=invoice["InvoiceID"], Account={"Code": "200"})]}
    )

    assert result.status == 400


def test_overpayment_is_refused(api, invoice):
    result = api.put(
        "Payments", {"Payments": [payment_element(invoice_id=invoice["InvoiceID"], amount=Decimal("120.01"))]}
    )

    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "The payment amount exceeds the amount outstanding on this document."
    )


def test_zero_amount_is_refused(api, invoice):
    result = api.put("Payments", {"Payments": [payment_element(invoice_id=invoice["InvoiceID"], amount=Decimal("0"))]})

    assert result.status == 400


def test_payment_on_a_draft_is_refused(api):
    contact = api.contact("Draft Co")
    draft = api.invoice(contact["ContactID"], status="DRAFT")

    result = api.put("Payments", {"Payments": [payment_element(invoice_id=draft["InvoiceID"])]})

    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Payment can only be made against Authorised documents."
    )


def test_deleting_a_payment_reverses_it(api, invoice):
    payment = api.payment(invoice["InvoiceID"], "120.00")

    result = api.post(f"Payments/{payment['PaymentID']}", {"Status": "DELETED"})

    stored = api.get(f"Invoices/{invoice['InvoiceID']}").body["Invoices"][0]
    assert result.body["Payments"][0]["Status"] == "DELETED"
    assert (stored["Status"], stored["AmountDue"], stored["Payments"]) == ("AUTHORISED", 120, [])
    assert "FullyPaidOnDate" not in stored


def test_delete_accepts_the_wrapped_form(api, invoice):
    payment = api.payment(invoice["InvoiceID"], "10.00")

    result = api.post(f"Payments/{payment['PaymentID']}", {"Payments": [{"Status": "DELETED"}]})

    assert result.status == 200


def test_deleting_twice_is_refused(api, invoice):
    payment = api.payment(invoice["InvoiceID"], "10.00")
    api.post(f"Payments/{payment['PaymentID']}", {"Status": "DELETED"})

    result = api.post(f"Payments/{payment['PaymentID']}", {"Status": "DELETED"})

    assert result.status == 400


def test_get_one_and_list(api, invoice):
    payment = api.payment(invoice["InvoiceID"], "10.00")

    one = api.get(f"Payments/{payment['PaymentID']}")
    listed = api.get("Payments", query={"page": "1"})

    assert one.body["Payments"][0]["PaymentID"] == payment["PaymentID"]
    assert listed.body["pagination"]["itemCount"] == 1


def test_payments_where_filter(api, invoice):
    api.payment(invoice["InvoiceID"], "10.00")
    api.payment(invoice["InvoiceID"], "50.00")

    result = api.get("Payments", query={"where": "Amount >= 50"})

    assert [p["Amount"] for p in result.body["Payments"]] == [50]


def test_unknown_payment_is_404(api):
    result = api.get("Payments/5f0c7d9e-0000-4000-8000-000000000000")

    assert result.status == 404
