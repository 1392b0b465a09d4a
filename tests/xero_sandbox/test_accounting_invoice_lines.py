"""PUT/POST Invoices checks line items against the organisation's catalogue as Xero does, and honours statuses.

The demo organisation's catalogue (docs/xero.md, "The seeded demo catalogue") is the fixture: items, revenue accounts
with 250 archived, UK tax rates, tracking categories with archived ones.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.xero_records import invoice_element, line, quote_element
from tests.xero_sandbox.accounting_api import Api, new_tenant
from xero_sandbox import seed
from xero_sandbox.accounting import organisation_record

ACCOUNT_ARCHIVED = (
    "Account code '250' has been archived, or has been deleted. Each line item must reference a valid account."
)


@pytest.fixture
def demo() -> Api:
    organisation = organisation_record(
        tenant_id="9d1c0000-0000-4000-8000-000000000002",
        name="Demo Company (UK)",
        base_currency="GBP",
        short_code="!aB3cD",
        timezone="Europe/London",
        country_code="GB",
        created=datetime(2025, 1, 1, tzinfo=UTC),
    )
    data = seed.demo_tenant_data(which="uk", tenant_id="t-lines", organisation=organisation, today=date(2026, 3, 2))
    return Api(data=data, now=datetime(2026, 3, 2, 12, tzinfo=UTC))


@pytest.fixture
def customer(demo) -> str:
    return demo.get("Contacts/ACME-001").body["Contacts"][0]["ContactID"]


def _put(api: Api, *lines: dict, query: dict | None = None, **fields) -> object:
    element = invoice_element(contact_id=fields.pop("contact_id"), line_items=list(lines), **fields)
    return api.put("Invoices", {"Invoices": [element]}, query=query)


def _errors(result) -> list[str]:
    assert result.status == 400, result.body
    assert result.body["Type"] == "ValidationException"
    return [error["Message"] for error in result.body["Elements"][0]["ValidationErrors"]]


# --- accounts --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("999", "Account code '999' is not a valid code for this document."),
        ("090", "Account code '090' is not a valid code for this document."),  # a bank account
        ("610", "Account code '610' is not a valid code for this document."),  # a system account (debtors)
        ("250", ACCOUNT_ARCHIVED),
    ],
)
def test_unknown_unusable_or_archived_accounts_are_refused(demo, customer, code, message):
    result = _put(demo, line(account_code=code), contact_id=customer)

    assert _errors(result) == [message]


def test_a_refused_invoice_is_not_saved(demo, customer):
    before = len(demo.data.invoices)

    _put(demo, line(account_code="250"), contact_id=customer, Reference="NOT-SAVED")

    assert len(demo.data.invoices) == before
    assert demo.get("Invoices", query={"where": 'Reference=="NOT-SAVED"'}).body["Invoices"] == []


def test_the_line_carries_the_account_id(demo, customer):
    invoice = _put(demo, line(account_code="210"), contact_id=customer).body["Invoices"][0]

    account = demo.get("Accounts", query={"where": 'Code=="210"'}).body["Accounts"][0]
    assert invoice["LineItems"][0]["AccountID"] == account["AccountID"]


def test_authorised_lines_need_an_account_but_drafts_do_not(demo, customer):
    draft = _put(demo, line(account_code=None), contact_id=customer)
    authorised = _put(demo, line(account_code=None), contact_id=customer, Status="AUTHORISED")

    assert draft.status == 200
    assert _errors(authorised) == ["Account code or ID must be specified"]


# --- items -----------------------------------------------------------------------------------------------------


def test_unknown_item_code_is_refused(demo, customer):
    result = _put(demo, {"ItemCode": "NO-SUCH", "Quantity": 1}, contact_id=customer)

    assert _errors(result) == ["Item code 'NO-SUCH' is not valid"]


def test_an_item_fills_description_price_account_and_tax(demo, customer):
    invoice = _put(demo, {"ItemCode": "CONSULT-DAY", "Quantity": 2}, contact_id=customer).body["Invoices"][0]

    only = invoice["LineItems"][0]
    assert (only["Description"], only["UnitAmount"], only["AccountCode"], only["TaxType"]) == (
        "One day of on-site consulting",
        Decimal("850.00"),
        "210",
        "OUTPUT2",
    )
    assert (only["LineAmount"], only["TaxAmount"]) == (Decimal("1700.00"), Decimal("340.00"))
    assert only["Item"]["Code"] == "CONSULT-DAY"
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (
        Decimal("1700.00"),
        Decimal("340.00"),
        Decimal("2040.00"),
    )


def test_what_the_line_gives_wins_over_the_item(demo, customer):
    given = {"ItemCode": "WORKSHOP", "Description": "Workshop (discounted)", "Quantity": 1, "UnitAmount": 1000}

    only = _put(demo, given, contact_id=customer).body["Invoices"][0]["LineItems"][0]

    assert (only["Description"], only["UnitAmount"], only["AccountCode"]) == (
        "Workshop (discounted)",
        Decimal("1000.00"),
        "220",
    )


def test_an_item_on_an_archived_account_is_refused(demo, customer):
    result = _put(demo, {"ItemCode": "OLD-KIT", "Quantity": 1}, contact_id=customer)

    assert _errors(result) == [ACCOUNT_ARCHIVED]


def test_an_item_without_tax_type_takes_the_accounts(demo, customer):
    only = _put(demo, {"ItemCode": "TRAVEL", "Quantity": 1, "UnitAmount": 80}, contact_id=customer).body["Invoices"][0][
        "LineItems"
    ][0]

    assert (only["AccountCode"], only["TaxType"], only["TaxAmount"]) == ("260", "OUTPUT2", Decimal("16.00"))


# --- tax -------------------------------------------------------------------------------------------------------


def test_a_tax_type_the_organisation_lacks_is_refused(demo, customer):
    result = _put(demo, line(TaxType="GST on Income"), contact_id=customer)

    assert _errors(result) == [
        "The TaxType code GST on Income does not exist or cannot be used for this type of transaction."
    ]


def test_an_expense_tax_type_on_a_revenue_account_is_refused(demo, customer):
    result = _put(demo, line(account_code="200", TaxType="INPUT2"), contact_id=customer)

    assert _errors(result) == ["The TaxType code 'INPUT2' cannot be used with account code '200'."]


def test_tax_follows_the_rate_of_the_tax_type(demo, customer):
    invoice = _put(
        demo,
        line(unit_amount="100.00", TaxType="RROUTPUT"),
        line(unit_amount="18.00", account_code="240"),
        contact_id=customer,
    ).body["Invoices"][0]

    assert [(i["TaxType"], i["TaxAmount"]) for i in invoice["LineItems"]] == [
        ("RROUTPUT", Decimal("5.00")),
        ("ZERORATEDOUTPUT", Decimal("0.00")),
    ]
    assert invoice["Total"] == Decimal("123.00")


def test_new_zealand_invoices_default_to_gst_on_income():
    nz = Api(data=new_tenant(base_currency="NZD", country_code="NZ", timezone="Pacific/Auckland"))
    contact_id = nz.contact("Kiwi")["ContactID"]

    invoice = nz.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id)]}).body["Invoices"][0]

    assert (invoice["LineItems"][0]["TaxType"], invoice["TotalTax"]) == ("OUTPUT2", Decimal("15.08"))


# --- line amount types and rounding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "totals"),
    [
        ("Exclusive", (Decimal("100.00"), Decimal("20.00"), Decimal("120.00"))),
        ("Inclusive", (Decimal("83.33"), Decimal("16.67"), Decimal("100.00"))),
        ("NoTax", (Decimal("100.00"), Decimal("0.00"), Decimal("100.00"))),
    ],
)
def test_line_amount_types_decide_subtotal_tax_and_total(demo, customer, types, totals):
    invoice = _put(demo, line(unit_amount="100.00"), contact_id=customer, LineAmountTypes=types).body["Invoices"][0]

    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == totals


def test_unit_amounts_round_half_up_to_two_places(demo, customer):
    only = _put(demo, line(quantity=1, unit_amount="2.675"), contact_id=customer).body["Invoices"][0]["LineItems"][0]

    assert (only["UnitAmount"], only["LineAmount"]) == (Decimal("2.68"), Decimal("2.68"))


def test_unitdp_4_keeps_four_decimal_unit_amounts(demo, customer):
    metered = {"ItemCode": "API-1K", "Quantity": 1000}

    two = _put(demo, metered, contact_id=customer).body["Invoices"][0]["LineItems"][0]
    four = _put(demo, metered, contact_id=customer, query={"unitdp": "4"}).body["Invoices"][0]["LineItems"][0]

    assert (two["UnitAmount"], two["LineAmount"]) == (Decimal("0.41"), Decimal("410.00"))
    assert (four["UnitAmount"], four["LineAmount"]) == (Decimal("0.4125"), Decimal("412.50"))


# --- tracking --------------------------------------------------------------------------------------------------


def test_tracking_by_names_comes_back_with_ids(demo, customer):
    tracked = line(Tracking=[{"Name": "Region", "Option": "North"}, {"Name": "Department", "Option": "Training"}])

    tracking = _put(demo, tracked, contact_id=customer).body["Invoices"][0]["LineItems"][0]["Tracking"]

    region = next(c for c in demo.get("TrackingCategories").body["TrackingCategories"] if c["Name"] == "Region")
    assert tracking[0] == {
        "Name": "Region",
        "Option": "North",
        "TrackingCategoryID": region["TrackingCategoryID"],
        "TrackingOptionID": region["Options"][0]["TrackingOptionID"],
    }
    assert tracking[1]["Option"] == "Training"


def test_tracking_by_ids_is_accepted(demo, customer):
    region = next(c for c in demo.get("TrackingCategories").body["TrackingCategories"] if c["Name"] == "Region")
    ref = {
        "TrackingCategoryID": region["TrackingCategoryID"],
        "TrackingOptionID": region["Options"][1]["TrackingOptionID"],
    }

    tracking = _put(demo, line(Tracking=[ref]), contact_id=customer).body["Invoices"][0]["LineItems"][0]["Tracking"]

    assert (tracking[0]["Name"], tracking[0]["Option"]) == ("Region", "South")


@pytest.mark.parametrize(
    ("tracking", "message"),
    [
        (
            [{"Name": "Region", "Option": "Scotland"}],
            "Unknown tracking details. A Tracking Option did not match a known Active TrackingOption for 'Region'",
        ),
        (
            [{"Name": "Region", "Option": "Atlantis"}],
            "Unknown tracking details. A Tracking Option did not match a known Active TrackingOption for 'Region'",
        ),
        (
            [{"Name": "Campaign 2024", "Option": "Spring launch"}],
            "Unknown tracking details. A Tracking Category did not match a known Active TrackingCategory",
        ),
        (
            [{"Name": "Colour", "Option": "Red"}],
            "Unknown tracking details. A Tracking Category did not match a known Active TrackingCategory",
        ),
        (
            [
                {"Name": "Region", "Option": "North"},
                {"Name": "Department", "Option": "Training"},
                {"Name": "Region", "Option": "South"},
            ],
            "A line item can have a maximum of 2 tracking categories.",
        ),
    ],
)
def test_archived_or_unknown_tracking_is_refused(demo, customer, tracking, message):
    assert _errors(_put(demo, line(Tracking=tracking), contact_id=customer)) == [message]


# --- how errors come back --------------------------------------------------------------------------------------


def test_every_refusal_of_an_invoice_is_listed(demo, customer):
    result = _put(demo, line(account_code="999"), {"ItemCode": "NO-SUCH"}, contact_id=customer)

    assert _errors(result) == [
        "Account code '999' is not a valid code for this document.",
        "Item code 'NO-SUCH' is not valid",
    ]


def test_summarize_errors_false_answers_each_invoice(demo, customer):
    good = invoice_element(contact_id=customer, line_items=[line()], Reference="GOOD")
    bad = invoice_element(contact_id=customer, line_items=[line(account_code="250")], Reference="BAD")

    result = demo.put("Invoices", {"Invoices": [good, bad]}, query={"summarizeErrors": "false"})

    assert result.status == 200
    statuses = [(i["Reference"], i["StatusAttributeString"]) for i in result.body["Invoices"]]
    assert statuses == [("GOOD", "OK"), ("BAD", "ERROR")]
    assert result.body["Invoices"][1]["ValidationErrors"] == [{"Message": ACCOUNT_ARCHIVED}]
    assert result.body["Invoices"][1]["InvoiceID"] == "00000000-0000-0000-0000-000000000000"


# --- statuses --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["DRAFT", "SUBMITTED", "AUTHORISED"])
def test_new_invoices_may_be_draft_submitted_or_authorised(demo, customer, status):
    invoice = _put(demo, line(), contact_id=customer, Status=status).body["Invoices"][0]

    assert invoice["Status"] == status
    assert invoice["InvoiceNumber"].startswith("INV-")


@pytest.mark.parametrize("status", ["PAID", "VOIDED", "DELETED"])
def test_other_statuses_are_refused_on_create(demo, customer, status):
    assert _errors(_put(demo, line(), contact_id=customer, Status=status)) == [
        "Invoice not of valid status for creation"
    ]


def test_authorised_invoices_get_the_next_number(demo, customer):
    before = demo.data.counters["Invoices"]

    invoice = _put(demo, line(), contact_id=customer, Status="AUTHORISED").body["Invoices"][0]

    assert invoice["InvoiceNumber"] == f"INV-{before + 1:04d}"


def test_authorised_needs_a_due_date_but_draft_and_submitted_do_not(demo, customer):
    element = invoice_element(contact_id=customer, line_items=[line()])
    del element["DueDate"]

    draft = demo.put("Invoices", {"Invoices": [{**element, "Status": "DRAFT"}]})
    submitted = demo.put("Invoices", {"Invoices": [{**element, "Status": "SUBMITTED"}]})
    authorised = demo.put("Invoices", {"Invoices": [{**element, "Status": "AUTHORISED"}]})

    assert (draft.status, submitted.status) == (200, 200)
    assert _errors(authorised) == ["The document DueDate field must be specified."]


def test_an_authorised_invoice_cannot_go_back_to_draft(demo, customer):
    invoice = _put(demo, line(), contact_id=customer, Status="AUTHORISED").body["Invoices"][0]

    result = demo.post(f"Invoices/{invoice['InvoiceID']}", {"Status": "DRAFT"})

    assert _errors(result) == ["Invoice not of valid status for modification"]


def test_a_paid_invoice_keeps_its_lines_and_date(demo, customer):
    invoice = _put(demo, line(), contact_id=customer, Status="AUTHORISED").body["Invoices"][0]
    demo.payment(invoice["InvoiceID"], "10.00")
    path = f"Invoices/{invoice['InvoiceID']}"

    lines_changed = demo.post(path, {"LineItems": [line(unit_amount="500.00")]})
    date_changed = demo.post(path, {"Date": "2026-02-01"})
    reference_changed = demo.post(path, {"Reference": "PO 17", "Date": "2026-03-01"})

    assert _errors(lines_changed) == [
        "This document cannot be edited as it has a payment or credit note allocated to it."
    ]
    assert _errors(date_changed) == [
        "Date cannot be changed on invoice that has payment or credit notes allocated to it."
    ]
    assert reference_changed.body["Invoices"][0]["Reference"] == "PO 17"


def test_a_draft_can_change_its_lines(demo, customer):
    invoice = _put(demo, line(), contact_id=customer).body["Invoices"][0]

    changed = demo.post(f"Invoices/{invoice['InvoiceID']}", {"LineItems": [{"ItemCode": "WORKSHOP", "Quantity": 1}]})

    assert changed.body["Invoices"][0]["SubTotal"] == Decimal("1200.00")


# --- contacts --------------------------------------------------------------------------------------------------


def test_an_archived_contact_is_refused_by_id_too(demo):
    old = demo.get("Contacts", query={"includeArchived": "true", "where": 'Name=="Old Customer Ltd"'}).body["Contacts"][
        0
    ]

    result = _put(demo, line(), contact_id=old["ContactID"])

    assert _errors(result) == [
        "The contact with the specified contact details has been archived. "
        "The contact must be un-archived before creating new invoices or credit notes."
    ]


def test_an_unknown_contact_id_is_refused(demo):
    result = _put(demo, line(), contact_id="6a0f2b1e-0000-4000-8000-00000000abcd")

    assert _errors(result) == ["The contact with ID 6a0f2b1e-0000-4000-8000-00000000abcd could not be found."]


# --- credit notes and quotes share the line rules --------------------------------------------------------------


def test_credit_notes_check_their_lines_too(demo, customer):
    credit = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": customer},
        "Date": "2026-03-01",
        "LineItems": [line(account_code="250")],
    }

    assert _errors(demo.put("CreditNotes", {"CreditNotes": [credit]})) == [ACCOUNT_ARCHIVED]


def test_quotes_check_their_lines_too(demo, customer):
    quote = quote_element(contact_id=customer, line_items=[{"ItemCode": "NO-SUCH", "Quantity": 1}])

    assert _errors(demo.put("Quotes", {"Quotes": [quote]})) == ["Item code 'NO-SUCH' is not valid"]


def test_quote_lines_take_an_items_details(demo, customer):
    quote = quote_element(contact_id=customer, line_items=[{"ItemCode": "WORKSHOP", "Quantity": 2}])

    created = demo.put("Quotes", {"Quotes": [quote]}).body["Quotes"][0]

    assert (created["SubTotal"], created["LineItems"][0]["AccountCode"]) == (Decimal("2400.00"), "220")
