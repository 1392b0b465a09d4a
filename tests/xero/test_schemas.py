"""schemas.py: Xero's JSON (as Xero returns it, amounts decoded as Decimal) becomes typed records or SchemaError."""

import contextlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.xero import schemas
from tests.xero_records import (
    decoded,
    msdate,
    xero_contact,
    xero_credit_note,
    xero_invoice,
    xero_payment,
    xero_quote,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CONTACT_ID = "bd2270c3-8706-4c11-9cfb-000b551c3f51"
INVOICE_ID = "243216c5-369e-4056-ac67-05388f86dc81"

# Moments a datetime can hold, to the millisecond (Xero's precision), in UTC.
utc_moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
    lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC)
)
offsets = st.sampled_from(["", "+0000", "+1300", "-0800", "+0530", "+13", "-05"])


def ms_of(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


UPDATED = datetime(2019, 2, 21, 23, 59, 9, 320000, tzinfo=UTC)
LATER = datetime(2019, 2, 25, 13, 6, 40, tzinfo=UTC)


def bakery(**fields):
    """Bluebell Bakery, a customer, as the client decodes it (`fields` replace Xero's)."""
    record = xero_contact(
        contact_id=CONTACT_ID,
        first_name="Ann",
        last_name="Lee",
        email="ann@bluebell.example",
        updated=UPDATED,
        IsCustomer=True,
    )
    return {**decoded(record), **fields}


def bakery_invoice(**fields):
    """INV-0001 to Bluebell Bakery: 100.00 + 20.00 VAT, 50.00 paid, as the client decodes it."""
    record = xero_invoice(
        contact=bakery(),
        invoice_id=INVOICE_ID,
        number="INV-0001",
        reference="PO 7",
        total="120.00",
        tax="20.00",
        amount_due="70.00",
        issued=date(2019, 2, 21),
        due=date(2019, 3, 7),
        updated=UPDATED,
    )
    return {**decoded(record), **fields}


def envelope(collection: str, records: list, **extra):
    return {
        "Id": "5e7d2cd9-0c1f-4c6a-a9a2-3f4d2f0a1b7c",
        "Status": "OK",
        "ProviderName": "Capsync",
        "DateTimeUTC": "/Date(1764067200000)/",
        **extra,
        collection: records,
    }


# --- dates ----------------------------------------------------------------------------------------------------


@given(moment=utc_moments, offset=offsets)
def test_an_msdate_reads_back_as_the_same_utc_moment_whatever_its_offset(moment, offset):
    value = f"/Date({ms_of(moment)}{offset})/"

    assert schemas.msdate_datetime(value) == moment


@given(moment=utc_moments)
def test_a_json_escaped_msdate_reads_like_the_plain_one(moment):
    value = f"\\/Date({ms_of(moment)}+0000)\\/"

    assert schemas.msdate_datetime(value) == moment


@given(day=st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30)))
def test_a_date_only_msdate_reads_back_as_its_calendar_date(day):
    value = f"/Date({ms_of(datetime.combine(day, datetime.min.time(), UTC))}+0000)/"

    assert schemas.msdate_date(value) == day


def test_xeros_documented_example_is_read_as_utc():
    moment = schemas.msdate_datetime("/Date(1550793549320+0000)/")

    assert moment == datetime(2019, 2, 21, 23, 59, 9, 320000, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)


def test_an_offset_does_not_move_the_moment():
    assert schemas.msdate_datetime("/Date(1550793549320+1300)/") == schemas.msdate_datetime("/Date(1550793549320)/")


def test_negative_milliseconds_are_before_1970():
    assert schemas.msdate_datetime("/Date(-86400000+0000)/") == datetime(1969, 12, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2019-02-22T00:12:29",
        "/Date()/",
        "/Date(12a)/",
        "Date(1550793549320)",
        "/Date(1550793549320+0000)",
        "",
        None,
        1550793549320,
        "/Date(999999999999999999)/",
    ],
)
def test_anything_but_an_msdate_is_a_schema_error(value):
    with pytest.raises(schemas.SchemaError):
        schemas.msdate_datetime(value)


def test_a_date_only_field_with_a_time_of_day_is_a_schema_error():
    with pytest.raises(schemas.SchemaError, match="not midnight UTC"):
        schemas.msdate_date("/Date(1550793549320+0000)/")


# --- records ----------------------------------------------------------------------------------------------------


def test_a_contact_is_read_with_its_phones_addresses_and_balances():
    record = bakery(
        Phones=[
            {"PhoneType": "DEFAULT", "PhoneNumber": "1234567", "PhoneAreaCode": "9", "PhoneCountryCode": "64"},
            {"PhoneType": "MOBILE", "PhoneNumber": "021 555", "PhoneAreaCode": "", "PhoneCountryCode": ""},
            {"PhoneType": "FAX", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
        ],
        Addresses=[
            {"AddressType": "POBOX"},
            {
                "AddressType": "STREET",
                "AddressLine1": "1 Mill Lane",
                "AddressLine2": "",
                "AddressLine3": "Unit 2",
                "City": "Leeds",
                "Region": "West Yorkshire",
                "PostalCode": "LS1 1AA",
                "Country": "United Kingdom",
            },
        ],
        Balances={
            "AccountsReceivable": {"Outstanding": Decimal("760.00"), "Overdue": Decimal("120.00")},
            "AccountsPayable": {"Outstanding": Decimal("0.00"), "Overdue": Decimal("0.00")},
        },
        DefaultCurrency="GBP",
    )

    contact = schemas.contact(record)

    assert contact.phones == (
        schemas.XeroPhone(type="DEFAULT", number="64 9 1234567"),
        schemas.XeroPhone(type="MOBILE", number="021 555"),
    )
    assert contact.addresses == (
        schemas.XeroAddress(
            type="STREET",
            lines=("1 Mill Lane", "Unit 2"),
            city="Leeds",
            region="West Yorkshire",
            postal_code="LS1 1AA",
            country="United Kingdom",
        ),
    )
    assert (contact.receivable_outstanding, contact.receivable_overdue) == (Decimal("760.00"), Decimal("120.00"))
    assert (contact.status, contact.is_customer, contact.is_supplier) == (schemas.ContactStatus.ACTIVE, True, False)
    assert contact.updated_at == datetime(2019, 2, 21, 23, 59, 9, 320000, tzinfo=UTC)
    assert (contact.name, contact.first_name, contact.email, contact.default_currency) == (
        "Bluebell Bakery",
        "Ann",
        "ann@bluebell.example",
        "GBP",
    )


def test_a_contact_without_balances_owes_nothing():
    contact = schemas.contact(bakery())

    assert (contact.receivable_outstanding, contact.receivable_overdue) == (Decimal(0), Decimal(0))


def test_an_invoice_is_read_with_decimal_money_calendar_dates_and_its_payments():
    record = bakery_invoice(
        Payments=[
            {
                "PaymentID": "0d666415-cf77-43fa-80c7-56775591d426",
                "Date": "/Date(1551052800000+0000)/",
                "Amount": Decimal("50.00"),
                "Reference": "",
                "CurrencyRate": Decimal("1.000000"),
                "HasAccount": False,
                "HasValidationErrors": False,
            }
        ],
    )

    invoice = schemas.invoice(record)

    assert (invoice.type, invoice.status) == (schemas.InvoiceType.ACCREC, schemas.InvoiceStatus.AUTHORISED)
    assert (invoice.date, invoice.due_date, invoice.fully_paid_on) == (date(2019, 2, 21), date(2019, 3, 7), None)
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert (invoice.amount_due, invoice.amount_paid, invoice.amount_credited) == (
        Decimal("70.00"),
        Decimal("50.00"),
        Decimal("0.00"),
    )
    assert (invoice.contact_id, invoice.contact_name, invoice.number) == (CONTACT_ID, "Bluebell Bakery", "INV-0001")
    assert invoice.payments == (
        schemas.XeroPayment(
            payment_id="0d666415-cf77-43fa-80c7-56775591d426",
            invoice_id=INVOICE_ID,
            date=date(2019, 2, 25),
            amount=Decimal("50.00"),
            currency_rate=Decimal("1.000000"),
            status=None,
            updated_at=None,
        ),
    )


def test_an_amount_xero_always_sends_is_none_when_missing_rather_than_zero():
    record = bakery_invoice()
    del record["AmountCredited"]

    assert schemas.invoice(record).amount_credited is None


def test_a_float_amount_keeps_the_digits_xero_sent():
    assert schemas.invoice(bakery_invoice(Total=120.1)).total == Decimal("120.1")


def test_a_payment_from_the_payments_list_names_its_invoice_status_and_update_time():
    record = decoded(
        xero_payment(
            invoice_id=INVOICE_ID,
            payment_id="0d666415-cf77-43fa-80c7-56775591d426",
            amount="50.00",
            paid_on=date(2019, 2, 25),
            updated=LATER,
        )
    )

    payment = schemas.payment(record)

    assert (payment.invoice_id, payment.status, payment.amount) == (
        INVOICE_ID,
        schemas.PaymentStatus.AUTHORISED,
        Decimal("50.00"),
    )
    assert payment.updated_at == datetime(2019, 2, 25, 13, 6, 40, tzinfo=UTC)


def test_a_credit_note_is_read_with_its_allocations():
    record = decoded(
        xero_credit_note(
            contact=bakery(),
            credit_note_id="aea95d78-ea48-456b-9b08-6bc012600072",
            number="CN-0002",
            total="30.00",
            remaining="10.00",
            issued=date(2019, 2, 25),
            updated=LATER,
            Allocations=[
                {
                    "Amount": 20.0,
                    "Date": msdate(date(2019, 2, 26)),
                    "Invoice": {"InvoiceID": INVOICE_ID, "InvoiceNumber": "INV-0001"},
                }
            ],
        )
    )

    credit_note = schemas.credit_note(record)

    assert (credit_note.type, credit_note.total, credit_note.remaining_credit) == (
        schemas.InvoiceType.ACCRECCREDIT,
        Decimal("30.00"),
        Decimal("10.00"),
    )
    assert credit_note.allocations == (
        schemas.XeroAllocation(invoice_id=INVOICE_ID, amount=Decimal("20.00"), date=date(2019, 2, 26)),
    )


def test_a_quote_is_read_with_its_status_and_expiry_date():
    record = decoded(
        xero_quote(
            contact=bakery(),
            quote_id="be59297c-6d36-4e2f-9d6a-8d5a7e9b3c11",
            number="QU-0001",
            reference="REF-90",
            title="Bakery refit",
            status="SENT",
            total="1500.00",
            issued=date(2019, 2, 25),
            expires=date(2019, 3, 25),
            updated=LATER,
        )
    )

    quote = schemas.quote(record)

    assert (quote.status, quote.expiry_date, quote.total, quote.title) == (
        schemas.QuoteStatus.SENT,
        date(2019, 3, 25),
        Decimal("1500.00"),
        "Bakery refit",
    )


def test_an_unknown_status_is_a_schema_error_naming_the_record():
    with pytest.raises(schemas.SchemaError, match="unknown Status 'OVERDUE'") as raised:
        schemas.invoice(bakery_invoice(Status="OVERDUE"))

    assert raised.value.record_id == INVOICE_ID


def test_a_record_without_its_id_is_a_schema_error():
    with pytest.raises(schemas.SchemaError, match="missing ContactID"):
        schemas.contact(bakery(ContactID=""))


def test_an_invoice_without_its_contacts_id_is_a_schema_error_naming_the_invoice():
    with pytest.raises(schemas.SchemaError, match=r"missing Contact\.ContactID") as raised:
        schemas.invoice(bakery_invoice(Contact={"Name": "Walk-in customer"}))

    assert raised.value.record_id == INVOICE_ID


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.decimals(allow_nan=True)
    | st.sampled_from(["/Date(1550793549320+0000)/", "ACTIVE", "AUTHORISED", "ACCREC", CONTACT_ID]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12,
)
FIELDS = [
    "ContactID",
    "InvoiceID",
    "CreditNoteID",
    "QuoteID",
    "PaymentID",
    "Type",
    "Status",
    "ContactStatus",
    "Contact",
    "Date",
    "DueDate",
    "ExpiryDate",
    "UpdatedDateUTC",
    "Total",
    "AmountDue",
    "CurrencyRate",
    "Phones",
    "Addresses",
    "Balances",
    "Payments",
    "Allocations",
    "Invoice",
    "IsCustomer",
    "Name",
]


@pytest.mark.parametrize(
    "parse", [schemas.contact, schemas.invoice, schemas.credit_note, schemas.quote, schemas.payment]
)
@given(record=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=12))
def test_any_record_either_parses_or_raises_a_schema_error(parse, record):
    with contextlib.suppress(schemas.SchemaError):
        parse(record)


# --- pages ----------------------------------------------------------------------------------------------------


def test_a_page_keeps_a_malformed_record_with_its_payload_and_parses_the_others():
    bad = bakery_invoice(InvoiceID="0e4c1a8d-5bb5-4b38-8b3c-3f6b4e8d2a11", DueDate="2019-03-07")
    payload = envelope(
        "Invoices", [bakery_invoice(), bad], pagination={"page": 1, "pageSize": 1000, "pageCount": 1, "itemCount": 2}
    )

    page = schemas.page_of(payload, collection="Invoices", id_field="InvoiceID", parse=schemas.invoice, page=1)

    assert [invoice.invoice_id for invoice in page.records] == [INVOICE_ID]
    assert page.errors == [
        schemas.RecordError(
            record_id="0e4c1a8d-5bb5-4b38-8b3c-3f6b4e8d2a11",
            reason="DueDate is not a /Date()/ value: '2019-03-07'",
            payload=bad,
        )
    ]


def test_a_page_reads_the_server_time_and_the_page_count():
    payload = envelope("Contacts", [], pagination={"page": 3, "pageSize": 1000, "pageCount": 4, "itemCount": 3050})

    page = schemas.page_of(payload, collection="Contacts", id_field="ContactID", parse=schemas.contact, page=3)

    assert page.server_time == datetime(2025, 11, 25, 10, 40, tzinfo=UTC)
    assert (page.page, page.page_count) == (3, 4)


def test_a_page_without_pagination_has_no_page_count():
    page = schemas.page_of(envelope("Quotes", []), collection="Quotes", id_field="QuoteID", parse=schemas.quote, page=1)

    assert page.page_count is None


def test_a_response_without_the_collection_is_a_schema_error():
    with pytest.raises(schemas.SchemaError, match="no Contacts list"):
        schemas.page_of(
            envelope("Invoices", []), collection="Contacts", id_field="ContactID", parse=schemas.contact, page=1
        )


# --- organisation timezone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xero_timezone", "iana"),
    [
        ("GMTSTANDARDTIME", "Europe/London"),
        ("NEWZEALANDSTANDARDTIME", "Pacific/Auckland"),
        ("WEUROPESTANDARDTIME", "Europe/Berlin"),
        ("CENTRALSTANDARDTIME(MEXICO)", "America/Mexico_City"),
        ("UTC+12", "Etc/GMT-12"),
        ("UTC11", "Etc/GMT+11"),
        ("MARSSTANDARDTIME", ""),
        ("", ""),
    ],
)
def test_an_organisation_timezone_maps_to_its_iana_name(xero_timezone, iana):
    organisation = schemas.organisation(
        {
            "Organisations": [
                {
                    "OrganisationID": "b2c4d6e8-0000-4000-8000-000000000001",
                    "Name": "Demo UK Ltd",
                    "Timezone": xero_timezone,
                }
            ]
        }
    )

    assert organisation.timezone_iana == iana
