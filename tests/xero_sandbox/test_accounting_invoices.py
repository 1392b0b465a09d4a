from decimal import Decimal

import pytest

from tests.xero_records import invoice_element
from tests.xero_sandbox.accounting_api import Api, new_tenant


@pytest.fixture
def contact_id(api) -> str:
    return api.contact("Acme Ltd")["ContactID"]


def test_create_computes_totals_with_uk_vat(api, contact_id):
    result = api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id, Status="AUTHORISED")]})

    invoice = result.body["Invoices"][0]
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (
        Decimal("100.50"),
        Decimal("20.10"),
        Decimal("120.60"),
    )
    assert invoice["AmountDue"] == Decimal("120.60")
    assert invoice["LineItems"][0]["TaxType"] == "OUTPUT2"
    assert invoice["LineItems"][0]["LineAmount"] == Decimal("100.50")


def test_inclusive_amounts_extract_the_tax(api, contact_id):
    element = invoice_element(
        contact_id=contact_id,
        LineAmountTypes="Inclusive",
        LineItems=[{"Description": "x", "Quantity": 1, "UnitAmount": 120}],
    )

    invoice = api.put("Invoices", {"Invoices": [element]}).body["Invoices"][0]

    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (100, 20, 120)


def test_no_tax_has_zero_tax(api, contact_id):
    invoice = api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id, LineAmountTypes="NoTax")]}).body[
        "Invoices"
    ][0]

    assert invoice["TotalTax"] == 0
    assert invoice["LineItems"][0]["TaxType"] == "NONE"


def test_dates_are_msdate_strings_with_readable_twins(api, contact_id):
    invoice = api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id)]}).body["Invoices"][0]

    assert invoice["Date"] == "/Date(1772323200000+0000)/"
    assert invoice["DateString"] == "2026-03-01T00:00:00"
    assert invoice["DueDateString"] == "2026-03-31T00:00:00"
    assert invoice["UpdatedDateUTCString"] == "2026-03-02T12:00:00Z"


def test_sdk_style_msdate_request_dates_are_accepted(api, contact_id):
    element = invoice_element(contact_id=contact_id, Date="/Date(1772323200000)/", DueDate="/Date(1774915200000+0000)/")

    invoice = api.put("Invoices", {"Invoices": [element]}).body["Invoices"][0]

    assert invoice["DateString"] == "2026-03-01T00:00:00"


def test_date_defaults_to_today_in_the_organisation_timezone(contact_id, api):
    nz = Api(data=new_tenant(base_currency="NZD", country_code="NZ", timezone="Pacific/Auckland"))
    nz_contact = nz.contact("Kiwi")["ContactID"]
    element = invoice_element(contact_id=nz_contact)
    del element["Date"]

    invoice = nz.put("Invoices", {"Invoices": [element]}).body["Invoices"][0]

    assert invoice["DateString"] == "2026-03-03T00:00:00"  # 12:00 UTC is already 01:00 next day in Auckland


def test_accrec_invoices_are_numbered_automatically(api, contact_id):
    result = api.put(
        "Invoices", {"Invoices": [invoice_element(contact_id=contact_id), invoice_element(contact_id=contact_id)]}
    )

    assert [i["InvoiceNumber"] for i in result.body["Invoices"]] == ["INV-0001", "INV-0002"]


def test_duplicate_accrec_number_is_refused(api, contact_id):
    api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id, InvoiceNumber="INV-0100")]})

    result = api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id, InvoiceNumber="INV-0100")]})

    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"] == "Invoice # must be unique."


def test_get_one_by_invoice_number(api, contact_id):
    api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id)]})

    result = api.get("Invoices/INV-0001")

    assert result.body["Invoices"][0]["InvoiceNumber"] == "INV-0001"


def test_type_is_required(api, contact_id):
    element = invoice_element(contact_id=contact_id)
    del element["Type"]

    result = api.put("Invoices", {"Invoices": [element]})

    assert result.status == 400
    assert "Type" in result.body["Elements"][0]["ValidationErrors"][0]["Message"]


def test_contact_by_name_is_created_when_missing(api):
    element = invoice_element(contact_id="x")
    element["Contact"] = {"Name": "Walk-in Customer"}

    result = api.put("Invoices", {"Invoices": [element]})

    assert result.status == 200
    assert [e.category for e in result.events] == ["CONTACT", "INVOICE"]
    assert api.get("Contacts", query={"searchTerm": "walk-in"}).body["Contacts"][0]["Name"] == "Walk-in Customer"


def test_contact_by_name_reuses_the_active_contact(api, contact_id):
    element = invoice_element(contact_id="x")
    element["Contact"] = {"Name": "Acme Ltd"}

    invoice = api.put("Invoices", {"Invoices": [element]}).body["Invoices"][0]

    assert invoice["Contact"]["ContactID"] == contact_id


def test_unknown_contact_id_is_refused(api):
    result = api.put("Invoices", {"Invoices": [invoice_element(contact_id="11111111-1111-4111-8111-111111111111")]})

    assert result.status == 400


def test_authorised_invoice_needs_line_items(api, contact_id):
    result = api.put(
        "Invoices", {"Invoices": [invoice_element(contact_id=contact_id, Status="AUTHORISED", LineItems=[])]}
    )

    assert result.status == 400


def test_foreign_currency_must_be_enabled(api, contact_id):
    result = api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id, CurrencyCode="JPY")]})

    assert (
        result.body["Elements"][0]["ValidationErrors"][0]["Message"] == "Organisation is not subscribed to currency JPY"
    )


def test_foreign_currency_invoice_keeps_its_rate(api, contact_id):
    api.put("Currencies", {"Code": "USD"})

    invoice = api.put(
        "Invoices", {"Invoices": [invoice_element(contact_id=contact_id, CurrencyCode="USD", CurrencyRate=1.27)]}
    ).body["Invoices"][0]

    assert (invoice["CurrencyCode"], invoice["CurrencyRate"]) == ("USD", Decimal("1.27"))


def test_draft_can_be_authorised_then_voided(api, contact_id):
    invoice = api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id)]}).body["Invoices"][0]

    api.post(f"Invoices/{invoice['InvoiceID']}", {"Invoices": [{"Status": "AUTHORISED"}]})
    result = api.post(f"Invoices/{invoice['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]})

    voided = result.body["Invoices"][0]
    assert (voided["Status"], voided["AmountDue"]) == ("VOIDED", 0)


def test_authorised_invoice_cannot_be_deleted(api, contact_id):
    invoice = api.invoice(contact_id)

    result = api.post(f"Invoices/{invoice['InvoiceID']}", {"Status": "DELETED"})

    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Invoice not of valid status for modification"
    )


def test_invoice_with_payment_cannot_be_voided(api, contact_id):
    invoice = api.invoice(contact_id)
    api.payment(invoice["InvoiceID"], "10.00")

    result = api.post(f"Invoices/{invoice['InvoiceID']}", {"Status": "VOIDED"})

    assert result.status == 400


def test_paid_invoice_cannot_be_edited(api, contact_id):
    invoice = api.invoice(contact_id)
    api.payment(invoice["InvoiceID"], "120.00")

    result = api.post(f"Invoices/{invoice['InvoiceID']}", {"Reference": "late edit"})

    assert result.status == 400


def test_put_with_existing_id_is_refused(api, contact_id):
    invoice = api.invoice(contact_id)

    result = api.put(
        "Invoices", {"Invoices": [{**invoice_element(contact_id=contact_id), "InvoiceID": invoice["InvoiceID"]}]}
    )

    assert result.status == 400


def test_update_emits_invoice_update_event(api, contact_id):
    invoice = api.invoice(contact_id, status="DRAFT")

    result = api.post("Invoices", {"Invoices": [{"InvoiceID": invoice["InvoiceID"], "Reference": "PO-1"}]})

    assert result.body["Invoices"][0]["Reference"] == "PO-1"
    assert [(e.category, e.event_type, e.resource_url_path) for e in result.events] == [
        ("INVOICE", "UPDATE", f"Invoices/{invoice['InvoiceID']}")
    ]


def test_list_without_page_omits_line_items(api, contact_id):
    api.invoice(contact_id)

    result = api.get("Invoices")

    assert result.body["Invoices"][0]["LineItems"] == []
    assert "pagination" not in result.body


def test_list_with_page_includes_line_items_and_pagination(api, contact_id):
    api.invoice(contact_id)

    result = api.get("Invoices", query={"page": "1"})

    assert len(result.body["Invoices"][0]["LineItems"]) == 1
    assert result.body["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 1, "itemCount": 1}


def test_statuses_filter(api, contact_id):
    api.invoice(contact_id, status="DRAFT")
    api.invoice(contact_id, status="AUTHORISED")

    result = api.get("Invoices", query={"Statuses": "AUTHORISED,PAID"})

    assert [i["Status"] for i in result.body["Invoices"]] == ["AUTHORISED"]


def test_invoice_numbers_and_contact_ids_filters(api, contact_id):
    other = api.contact("Other")["ContactID"]
    api.invoice(contact_id)
    api.invoice(other)

    by_number = api.get("Invoices", query={"InvoiceNumbers": "INV-0002"})
    by_contact = api.get("Invoices", query={"ContactIDs": contact_id})

    assert [i["Contact"]["Name"] for i in by_number.body["Invoices"]] == ["Other"]
    assert [i["InvoiceNumber"] for i in by_contact.body["Invoices"]] == ["INV-0001"]


def test_search_term_matches_reference(api, contact_id):
    api.invoice(contact_id, Reference="PO-Blue-7")
    api.invoice(contact_id, Reference="other")

    result = api.get("Invoices", query={"searchTerm": "blue"})

    assert [i["Reference"] for i in result.body["Invoices"]] == ["PO-Blue-7"]


def test_summary_only_drops_line_items_and_payments(api, contact_id):
    api.invoice(contact_id)

    result = api.get("Invoices", query={"summaryOnly": "true", "page": "1"})

    assert "LineItems" not in result.body["Invoices"][0]
    assert "Payments" not in result.body["Invoices"][0]


def test_where_on_type_and_amount(api, contact_id):
    api.invoice(contact_id, amount="10.00")
    api.invoice(contact_id, amount="1000.00")

    result = api.get("Invoices", query={"where": 'Type=="ACCREC" AND AmountDue > 100'})

    assert [i["Total"] for i in result.body["Invoices"]] == [1200]


def test_embedded_contact_follows_a_rename(api, contact_id):
    invoice = api.invoice(contact_id)
    api.post(f"Contacts/{contact_id}", {"Name": "Acme Renamed"})

    result = api.get(f"Invoices/{invoice['InvoiceID']}")

    assert result.body["Invoices"][0]["Contact"]["Name"] == "Acme Renamed"


def test_accpay_bill_marks_the_contact_as_supplier(api, contact_id):
    api.put("Invoices", {"Invoices": [invoice_element(contact_id=contact_id, Type="ACCPAY", Status="AUTHORISED")]})

    contact = api.get(f"Contacts/{contact_id}").body["Contacts"][0]

    assert contact["IsSupplier"] is True
    assert contact["Balances"]["AccountsPayable"]["Outstanding"] == Decimal("120.60")


def test_unitdp_4_keeps_four_decimal_unit_amounts(api, contact_id):
    element = invoice_element(
        contact_id=contact_id, LineItems=[{"Description": "x", "Quantity": 3, "UnitAmount": 1.2345}]
    )

    default = api.put("Invoices", {"Invoices": [element]}).body["Invoices"][0]
    precise = api.put("Invoices", {"Invoices": [element]}, query={"unitdp": "4"}).body["Invoices"][0]

    assert default["LineItems"][0]["UnitAmount"] == Decimal("1.23")
    assert precise["LineItems"][0]["UnitAmount"] == Decimal("1.2345")
    assert precise["LineItems"][0]["LineAmount"] == Decimal("3.70")


def test_four_decimal_unit_amounts_show_two_decimals_unless_unitdp_4_is_asked(api, contact_id):
    element = invoice_element(
        contact_id=contact_id, LineItems=[{"Description": "x", "Quantity": 3, "UnitAmount": 1.2345}]
    )
    invoice = api.put("Invoices", {"Invoices": [element]}, query={"unitdp": "4"}).body["Invoices"][0]

    plain = api.get(f"Invoices/{invoice['InvoiceID']}")
    precise = api.get(f"Invoices/{invoice['InvoiceID']}", query={"unitdp": "4"})

    assert plain.body["Invoices"][0]["LineItems"][0]["UnitAmount"] == Decimal("1.23")
    assert precise.body["Invoices"][0]["LineItems"][0]["UnitAmount"] == Decimal("1.2345")


def test_failed_element_is_echoed_with_an_empty_guid_and_msdate_dates(api, contact_id):
    result = api.put(
        "Invoices", {"Invoices": [invoice_element(contact_id=contact_id, Status="AUTHORISED", LineItems=[])]}
    )

    echo = result.body["Elements"][0]
    assert echo["InvoiceID"] == "00000000-0000-0000-0000-000000000000"
    assert echo["Date"] == "/Date(1772323200000+0000)/"
