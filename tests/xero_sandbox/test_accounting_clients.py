"""What real Xero clients send, accepted as Xero accepts it (issue 14, "The sandbox must accept what real clients
send"). Each habit is named after the client seen sending it; sources are in docs/xero.md, "Sandbox fidelity found
by real clients"."""

import uuid
from decimal import Decimal

import pytest

from tests.xero_sandbox.accounting_api import Api, new_tenant


@pytest.fixture
def api() -> Api:
    return Api(data=new_tenant())


def _credit_note(api: Api, contact_id: str, amount: str = "10.00") -> dict:
    element = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-03-01",
        "Status": "AUTHORISED",
        "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": amount, "AccountCode": "200"}],
    }
    result = api.put("CreditNotes", {"CreditNotes": [element]})
    assert result.status == 200, result.body
    return result.body["CreditNotes"][0]


# ----- paths -----


def test_organisations_plural_is_served_as_organisation(api):
    """pyxero's organisations.all() and tap-xero's organisations stream GET /Organisations."""
    result = api.get("Organisations")

    assert result.status == 200
    assert result.body == api.get("Organisation").body


@pytest.mark.parametrize("path", ["contacts", "CONTACTS", "cOnTaCtS"])
def test_resource_names_are_matched_in_any_case(api, path):
    api.contact("Case Ltd")

    result = api.get(path)

    assert result.status == 200
    assert [c["Name"] for c in result.body["Contacts"]] == ["Case Ltd"]


def test_sub_resource_names_are_matched_in_any_case(api):
    contact = api.contact()
    invoice = api.invoice(contact["ContactID"])
    credit = _credit_note(api, contact["ContactID"])

    result = api.put(
        f"creditnotes/{credit['CreditNoteID']}/allocations",
        {"Allocations": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": "5.00", "Date": "2026-03-02"}]},
    )

    assert result.status == 200, result.body


# ----- GUIDs in .NET's formats -----


def _guid_forms(guid: str) -> list[str]:
    hex32 = uuid.UUID(guid).hex
    return [hex32, hex32.upper(), guid.upper(), "{" + guid + "}", "(" + guid.upper() + ")"]


def test_ids_match_in_every_dotnet_guid_format(api):
    wanted = api.contact("Wanted Ltd")
    api.contact("Other Ltd")

    for form in _guid_forms(wanted["ContactID"]):
        result = api.get("Contacts", query={"IDs": form})

        assert [c["Name"] for c in result.body["Contacts"]] == ["Wanted Ltd"], form


def test_invoice_ids_and_contact_ids_accept_pyxero_hex(api):
    """pyxero sends ID lists as ",".join(UUID(x).hex ...)."""
    contact = api.contact()
    first = api.invoice(contact["ContactID"])
    api.invoice(api.contact("Someone Else")["ContactID"])

    by_id = api.get("Invoices", query={"IDs": uuid.UUID(first["InvoiceID"]).hex})
    by_contact = api.get("Invoices", query={"ContactIDs": uuid.UUID(contact["ContactID"]).hex})

    assert [i["InvoiceID"] for i in by_id.body["Invoices"]] == [first["InvoiceID"]]
    assert [i["InvoiceID"] for i in by_contact.body["Invoices"]] == [first["InvoiceID"]]


def test_where_guid_literal_accepts_every_dotnet_format(api):
    contact = api.contact()
    invoice = api.invoice(contact["ContactID"])
    api.invoice(api.contact("Someone Else")["ContactID"])

    for form in _guid_forms(contact["ContactID"]):
        result = api.get("Invoices", query={"where": f'Contact.ContactID==Guid("{form}")'})

        assert [i["InvoiceID"] for i in result.body["Invoices"]] == [invoice["InvoiceID"]], form


def test_path_ids_and_body_references_accept_32_hex_digits(api):
    contact = api.contact()
    hex_contact = uuid.UUID(contact["ContactID"]).hex
    invoice = api.invoice(hex_contact)

    result = api.get(f"Invoices/{uuid.UUID(invoice['InvoiceID']).hex.upper()}")

    assert invoice["Contact"]["ContactID"] == contact["ContactID"]
    assert result.body["Invoices"][0]["InvoiceID"] == invoice["InvoiceID"]


# ----- XML request bodies -----

XML = {"content-type": "application/xml"}


def test_an_xml_contacts_document_is_saved_like_json(api):
    body = (
        b"<Contacts><Contact><Name>Xml Ltd</Name><EmailAddress>a@xml.test</EmailAddress><IsSupplier>true</IsSupplier>"
        b"<Addresses><Address><AddressType>POBOX</AddressType><City>Leeds</City></Address></Addresses>"
        b"<Phones><Phone><PhoneType>DEFAULT</PhoneType><PhoneNumber>123</PhoneNumber></Phone></Phones>"
        b"</Contact><Contact><Name>Second Ltd</Name></Contact></Contacts>"
    )

    result = api.put("Contacts", body, headers=XML)

    assert result.status == 200, result.body
    first, second = result.body["Contacts"]
    assert (first["Name"], first["EmailAddress"], second["Name"]) == ("Xml Ltd", "a@xml.test", "Second Ltd")
    assert [a["City"] for a in first["Addresses"] if a["AddressType"] == "POBOX"] == ["Leeds"]
    assert [p["PhoneNumber"] for p in first["Phones"] if p["PhoneType"] == "DEFAULT"] == ["123"]


def test_a_bare_element_is_one_record_as_pyxero_sends_it(api):
    """pyxero's save({...}) sends <Contact>...</Contact> with no <Contacts> around it."""
    result = api.post("Contacts", b"<Contact><Name>Bare Ltd</Name></Contact>", headers=XML)

    assert result.status == 200, result.body
    assert [c["Name"] for c in result.body["Contacts"]] == ["Bare Ltd"]


def test_an_xml_invoice_has_the_same_amounts_as_its_json_twin(api):
    contact_id = api.contact()["ContactID"]
    line = {"Description": "Work", "Quantity": "3", "UnitAmount": "33.33", "AccountCode": "200"}
    json_invoice = api.put(
        "Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_id},
                    "Date": "2026-03-01",
                    "DueDate": "2026-03-31",
                    "LineItems": [line],
                }
            ]
        },
    ).body["Invoices"][0]
    xml = (
        f"<Invoice><Type>ACCREC</Type><Contact><ContactID>{contact_id}</ContactID></Contact>"
        "<Date>2026-03-01T00:00:00</Date><DueDate>2026-03-31T00:00:00</DueDate><SentToContact>false</SentToContact>"
        "<LineItems><LineItem><Description>Work</Description><Quantity>3</Quantity><UnitAmount>33.33</UnitAmount>"
        "<AccountCode>200</AccountCode></LineItem></LineItems></Invoice>"
    ).encode()

    result = api.put("Invoices", xml, headers={"content-type": "application/xml; charset=utf-8"})

    assert result.status == 200, result.body
    xml_invoice = result.body["Invoices"][0]
    assert xml_invoice["Total"] == json_invoice["Total"] == Decimal("119.99")
    assert xml_invoice["LineItems"][0]["Quantity"] == json_invoice["LineItems"][0]["Quantity"]
    assert xml_invoice["DueDate"] == json_invoice["DueDate"]
    assert xml_invoice["SentToContact"] is False


def test_the_form_encoded_xml_field_is_read_as_the_document(api):
    """Xero's older docs and pyxero before 0.6 post the document as the form field xml=."""
    result = api.put(
        "Contacts",
        b"xml=%3CContacts%3E%3CContact%3E%3CName%3EForm+Ltd%3C%2FName%3E%3C%2FContact%3E%3C%2FContacts%3E",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert result.status == 200, result.body
    assert [c["Name"] for c in result.body["Contacts"]] == ["Form Ltd"]


@pytest.mark.parametrize(
    "body",
    [
        b"<Contacts><Contact><Name>Broken",
        b"<Invoices><Invoice/></Invoices>",
        b'<!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><Contacts><Contact><Name>&x;</Name></Contact></Contacts>',
    ],
    ids=["not-well-formed", "wrong-collection", "entity-declaration"],
)
def test_an_unreadable_xml_body_is_post_data_invalid(api, body):
    result = api.put("Contacts", body, headers=XML)

    assert result.status == 400
    assert result.body["Type"] == "PostDataInvalidException"
    assert api.get("Contacts").body["Contacts"] == []


# ----- query parameters Xero's spec doesn't list are ignored -----


def test_credit_notes_ignore_ids_and_return_page_one(api):
    """GET /CreditNotes has no IDs filter in Xero's spec: Xero ignores it and answers the page asked for."""
    contact_id = api.contact()["ContactID"]
    first = _credit_note(api, contact_id)
    api.advance(1)
    second = _credit_note(api, contact_id)

    result = api.get("CreditNotes", query={"IDs": second["CreditNoteID"], "page": "1"})

    assert [c["CreditNoteID"] for c in result.body["CreditNotes"]] == [first["CreditNoteID"], second["CreditNoteID"]]


def test_credit_notes_ignore_summary_only(api):
    """summaryOnly is a parameter of GET Invoices and GET Contacts only."""
    _credit_note(api, api.contact()["ContactID"])

    result = api.get("CreditNotes", query={"summaryOnly": "true", "page": "1"})

    assert [line["Description"] for line in result.body["CreditNotes"][0]["LineItems"]] == ["Refund"]


def test_payments_ignore_an_ids_filter(api):
    invoice = api.invoice(api.contact()["ContactID"])
    first = api.payment(invoice["InvoiceID"], "10.00")
    second = api.payment(invoice["InvoiceID"], "10.00")

    result = api.get("Payments", query={"IDs": second["PaymentID"]})

    assert {p["PaymentID"] for p in result.body["Payments"]} == {first["PaymentID"], second["PaymentID"]}


def test_currencies_ignore_if_modified_since(api):
    result = api.get("Currencies", headers={"if-modified-since": "2100-01-01T00:00:00"})

    assert [c["Code"] for c in result.body["Currencies"]] == ["GBP"]


# ----- summaryOnly on invoices -----


def test_summary_only_invoices_drop_the_computed_collections_and_keep_the_totals(api):
    invoice = api.invoice(api.contact()["ContactID"], amount="100.00")
    api.payment(invoice["InvoiceID"], "40.00")

    summary = api.get("Invoices", query={"summaryOnly": "true", "page": "1"}).body["Invoices"][0]

    for dropped in ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments"):
        assert dropped not in summary
    kept = (
        "InvoiceID",
        "InvoiceNumber",
        "Type",
        "Status",
        "Contact",
        "Date",
        "DueDate",
        "CurrencyCode",
        "SubTotal",
        "TotalTax",
        "Total",
        "AmountDue",
        "AmountPaid",
        "AmountCredited",
        "Reference",
        "UpdatedDateUTC",
    )
    assert {name: summary[name] for name in kept} == {name: invoice[name] for name in kept} | {
        "AmountDue": Decimal("80.00"),
        "AmountPaid": Decimal("40.00"),
        "Status": "AUTHORISED",
        "UpdatedDateUTC": summary["UpdatedDateUTC"],
    }


def test_summary_only_takes_xero_pythons_capitalised_true(api):
    """xero-python writes boolean query parameters with str(): summaryOnly=True."""
    api.invoice(api.contact()["ContactID"])

    summary = api.get("Invoices", query={"summaryOnly": "True", "page": "1"}).body["Invoices"][0]

    assert "LineItems" not in summary


@pytest.mark.parametrize(
    "where",
    [
        'Status=="AUTHORISED"&&Type=="ACCREC"',  # pyxero joins its filters with &&
        'Status == "AUTHORISED" AND Type == "ACCREC"',
        'Status="AUTHORISED" and Contact.Name.tolower()=="acme ltd"',  # pyxero's __tolower, lower-case method
        'Contact.Name.contains("Acme")',  # pyxero's __contains
        "Date >= DateTime(2026,03,01) && DueDate < DateTime(2026, 04, 01)",  # xero-php's leading zeros
        'Date >= DateTime.Parse("2026-03-01")',
        "Reference!=null",  # pyxero's __isnull=False
    ],
)
def test_where_spellings_real_clients_send(api, where):
    invoice = api.invoice(api.contact()["ContactID"])

    result = api.get("Invoices", query={"where": where})

    assert result.status == 200, result.body
    assert [i["InvoiceID"] for i in result.body["Invoices"]] == [invoice["InvoiceID"]]
