from decimal import Decimal

import pytest

from tests.xero_records import credit_note_element


@pytest.fixture
def contact_id(api) -> str:
    return api.contact("Acme Ltd")["ContactID"]


def _allocation(invoice_id: str, amount: str) -> dict:
    return {"Allocations": [{"Invoice": {"InvoiceID": invoice_id}, "Amount": Decimal(amount), "Date": "2026-03-02"}]}


def test_create_numbers_and_computes_remaining_credit(api, contact_id):
    result = api.put("CreditNotes", {"CreditNotes": [credit_note_element(contact_id=contact_id)]})

    credit = result.body["CreditNotes"][0]
    assert credit["CreditNoteNumber"] == "CN-0001"
    assert (credit["Total"], credit["RemainingCredit"]) == (60, 60)
    assert result.events[0].category == "CREDITNOTE"


def test_allocation_reduces_invoice_and_credit(api, contact_id):
    invoice = api.invoice(contact_id, amount="100.00")
    credit = api.put("CreditNotes", {"CreditNotes": [credit_note_element(contact_id=contact_id)]}).body["CreditNotes"][
        0
    ]

    result = api.put(f"CreditNotes/{credit['CreditNoteID']}/Allocations", _allocation(invoice["InvoiceID"], "25.00"))

    stored_invoice = api.get(f"Invoices/{invoice['InvoiceID']}").body["Invoices"][0]
    stored_credit = api.get(f"CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert result.status == 200
    assert (stored_invoice["AmountCredited"], stored_invoice["AmountDue"]) == (25, 95)
    assert stored_credit["RemainingCredit"] == 35
    assert stored_credit["Status"] == "AUTHORISED"
    assert sorted(e.category for e in result.events) == ["CREDITNOTE", "INVOICE"]


def test_full_allocation_marks_both_paid(api, contact_id):
    invoice = api.invoice(contact_id, amount="50.00")
    credit = api.put("CreditNotes", {"CreditNotes": [credit_note_element(contact_id=contact_id)]}).body["CreditNotes"][
        0
    ]

    api.put(f"CreditNotes/{credit['CreditNoteID']}/Allocations", _allocation(invoice["InvoiceID"], "60.00"))

    assert api.get(f"Invoices/{invoice['InvoiceID']}").body["Invoices"][0]["Status"] == "PAID"
    assert api.get(f"CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]["Status"] == "PAID"


def test_allocation_beyond_remaining_credit_is_refused(api, contact_id):
    invoice = api.invoice(contact_id, amount="500.00")
    credit = api.put("CreditNotes", {"CreditNotes": [credit_note_element(contact_id=contact_id)]}).body["CreditNotes"][
        0
    ]

    result = api.put(f"CreditNotes/{credit['CreditNoteID']}/Allocations", _allocation(invoice["InvoiceID"], "61.00"))

    assert result.status == 400


def test_allocation_to_another_contacts_invoice_is_refused(api, contact_id):
    other = api.contact("Other Ltd")["ContactID"]
    invoice = api.invoice(other, amount="100.00")
    credit = api.put("CreditNotes", {"CreditNotes": [credit_note_element(contact_id=contact_id)]}).body["CreditNotes"][
        0
    ]

    result = api.put(f"CreditNotes/{credit['CreditNoteID']}/Allocations", _allocation(invoice["InvoiceID"], "10.00"))

    assert result.status == 400


def test_allocation_on_unknown_credit_note_is_404(api, contact_id):
    invoice = api.invoice(contact_id)

    result = api.put(
        "CreditNotes/7c1e0000-0000-4000-8000-000000000000/Allocations", _allocation(invoice["InvoiceID"], "1.00")
    )

    assert result.status == 404


def test_credit_note_type_must_be_a_credit_type(api, contact_id):
    result = api.put("CreditNotes", {"CreditNotes": [credit_note_element(contact_id=contact_id, Type="ACCREC")]})

    assert result.status == 400


def test_list_is_paged(api, contact_id):
    api.put(
        "CreditNotes",
        {"CreditNotes": [credit_note_element(contact_id=contact_id), credit_note_element(contact_id=contact_id)]},
    )

    result = api.get("CreditNotes", query={"page": "1", "pageSize": "1"})

    assert result.body["pagination"] == {"page": 1, "pageSize": 1, "pageCount": 2, "itemCount": 2}
