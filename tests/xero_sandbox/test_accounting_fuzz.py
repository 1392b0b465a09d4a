"""Malformed write bodies never crash handle(): every answer is a 200 or a Xero-style 400."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.xero_sandbox.accounting_api import Api, new_tenant
from xero_sandbox import jsonutil

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=Decimal(10**9), min_value=Decimal(-(10**9))
    )
    | st.text(max_size=12)
    | st.sampled_from(["2026-03-01", "/Date(1772323200000)/", "AUTHORISED", "ACCREC"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
FIELDS = {
    "Contacts": ["Name", "EmailAddress", "ContactStatus", "ContactNumber", "FirstName", "ContactID"],
    "Invoices": [
        "Type",
        "Contact",
        "LineItems",
        "Date",
        "DueDate",
        "Status",
        "LineAmountTypes",
        "CurrencyCode",
        "CurrencyRate",
        "InvoiceNumber",
        "InvoiceID",
    ],
    "CreditNotes": ["Type", "Contact", "LineItems", "Date", "Status", "CreditNoteID"],
    "Payments": ["Invoice", "Account", "Date", "Amount", "CreditNote", "PaymentID", "Status"],
    "Quotes": ["Contact", "Date", "ExpiryDate", "Status", "LineItems", "Title", "LineAmountTypes", "QuoteID"],
}


@st.composite
def bodies(draw):
    collection = draw(st.sampled_from(sorted(FIELDS)))
    element = draw(st.dictionaries(st.sampled_from(FIELDS[collection]), JSON_VALUES, max_size=6))
    return collection, draw(st.sampled_from(["PUT", "POST"])), {collection: [element]}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_malformed_elements_get_a_validation_answer_not_a_crash(case):
    collection, method, body = case
    api = Api(data=new_tenant())
    contact = api.contact("Fuzz Ltd")
    api.invoice(contact["ContactID"])

    result = api.call(method, collection, jsonutil.dumps(body))

    assert result.status in (200, 400)
