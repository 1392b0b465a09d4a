from datetime import UTC, datetime

from tests.xero_sandbox.accounting_api import Api, new_tenant
from xero_sandbox import jsonutil
from xero_sandbox.store import TenantData

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_load_keeps_records_verbatim_and_fills_missing_ids():
    data = new_tenant()
    body = {"Contacts": [{"Name": "Loaded Ltd", "ContactStatus": "ACTIVE", "Custom": {"x": 1}}]}

    events = data.load(body, now=NOW)

    stored = next(iter(data.contacts.records.values()))
    assert stored["Custom"] == {"x": 1}
    assert stored["UpdatedDateUTC"] == "/Date(1772452800000+0000)/"
    assert [(e.category, e.event_type) for e in events] == [("CONTACT", "CREATE")]


def test_load_of_an_existing_id_is_an_update_event():
    data = new_tenant()
    data.load({"Contacts": [{"ContactID": "c0ffee00-0000-4000-8000-000000000001", "Name": "A"}]}, now=NOW)

    events = data.load({"Contacts": [{"ContactID": "c0ffee00-0000-4000-8000-000000000001", "Name": "B"}]}, now=NOW)

    assert events[0].event_type == "UPDATE"
    assert data.contacts.get("c0ffee00-0000-4000-8000-000000000001")["Name"] == "B"


def test_loaded_invoice_number_advances_the_counter():
    data = new_tenant()
    data.load({"Invoices": [{"Type": "ACCREC", "InvoiceNumber": "INV-0041", "Contact": {"ContactID": "x"}}]}, now=NOW)

    assert data.next_number("Invoices") == "INV-0042"


def test_json_round_trip_preserves_records_and_numbering():
    api = Api(data=new_tenant())
    contact = api.contact("Acme")
    api.invoice(contact["ContactID"], amount="12.34")
    api.put("Currencies", {"Code": "USD"})

    restored = TenantData.from_json(jsonutil.loads(jsonutil.dumps(api.data.to_json())))

    assert restored.to_json() == api.data.to_json()
    assert restored.next_number("Invoices") == "INV-0002"
    assert restored.currency_enabled("USD")


def test_invoice_event_url_path_is_xero_shaped():
    api = Api(data=new_tenant())
    contact = api.contact("Acme")

    result = api.put("Invoices", {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}}]})

    event = result.events[0]
    assert event.resource_url_path == f"Invoices/{event.resource_id}"


def test_load_converts_an_iso_updated_date_to_msdate():
    data = new_tenant()

    data.load({"Contacts": [{"Name": "Iso Ltd", "UpdatedDateUTC": "2026-01-05T10:00:00Z"}]}, now=NOW)

    assert next(iter(data.contacts.records.values()))["UpdatedDateUTC"] == "/Date(1767607200000+0000)/"
