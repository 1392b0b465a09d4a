"""List pages read from the collections' kept orders (by id and by UpdatedDateUTC), through the HTTP server.

Each expectation is worked out here from the whole list (fetched without ``page``), so the pages are checked
against what sorting and filtering every record would give.
"""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from xero_sandbox import jsonutil, msdate

BASE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
INVOICES = 230


def _get(sandbox, tenant, path, params=None, headers=None):
    response = sandbox.api(
        "GET", path, access_token=tenant.access_token, tenant_id=tenant.tenant_id, params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def _guid(rng: random.Random) -> str:
    digits = f"{rng.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:]}"


@pytest.fixture
def ledger(sandbox, sandbox_tenant):
    """230 invoices of 3 contacts with random ids, mixed statuses, and UpdatedDateUTCs in no relation to their
    ids, some shared by several invoices; loaded verbatim."""
    sandbox.config(rate_limits="off")
    rng = random.Random(18)
    contacts = [{"ContactID": _guid(rng), "Name": f"Customer {n}"} for n in range(3)]
    invoices = []
    for number in range(1, INVOICES + 1):
        contact = contacts[number % 3]
        invoices.append(
            {
                "InvoiceID": _guid(rng),
                "InvoiceNumber": f"INV-{number:04d}",
                "Type": "ACCREC",
                "Status": rng.choice(["AUTHORISED", "PAID", "DRAFT"]),
                "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
                "Reference": f"ref {number}",
                "LineItems": [],
                "UpdatedDateUTC": msdate.format_datetime(BASE + timedelta(minutes=rng.randrange(0, 100))),
            }
        )
    sandbox.load(sandbox_tenant.tenant_id, {"Contacts": contacts, "Invoices": invoices})
    return sandbox_tenant


def _all_invoices(sandbox, tenant, params=None, headers=None):
    return _get(sandbox, tenant, "Invoices", params=params, headers=headers)["Invoices"]


def _pages(sandbox, tenant, params, headers=None, size=100):
    """Every page's invoice ids and each page's pagination object."""
    ids, paginations, page = [], [], 1
    while True:
        body = _get(sandbox, tenant, "Invoices", params={**params, "page": page, "pageSize": size}, headers=headers)
        paginations.append(body["pagination"])
        if not body["Invoices"]:
            return ids, paginations
        ids += [invoice["InvoiceID"] for invoice in body["Invoices"]]
        page += 1


def _default_order(invoices):
    return sorted(invoices, key=lambda invoice: (msdate.ms_of(invoice["UpdatedDateUTC"]), invoice["InvoiceID"]))


def test_pages_ordered_by_invoice_id_ascending_hold_every_invoice_once_in_id_order(sandbox, ledger):
    every = _all_invoices(sandbox, ledger)

    ids, paginations = _pages(sandbox, ledger, {"order": "InvoiceID ASC"})

    assert ids == sorted(invoice["InvoiceID"] for invoice in every)
    assert paginations[0] == {"page": 1, "pageSize": 100, "pageCount": 3, "itemCount": INVOICES}
    assert paginations[2]["itemCount"] == INVOICES


def test_pages_ordered_by_invoice_id_descending_are_the_ascending_order_reversed(sandbox, ledger):
    ascending, _ = _pages(sandbox, ledger, {"order": "InvoiceID ASC"})

    descending, _ = _pages(sandbox, ledger, {"order": "InvoiceID DESC"})

    assert descending == ascending[::-1]


def _edit_reference(sandbox, tenant, invoice_id, reference):
    edit = {"Invoices": [{"InvoiceID": invoice_id, "Reference": reference}]}
    response = sandbox.api("POST", "Invoices", access_token=tenant.access_token, tenant_id=tenant.tenant_id, json=edit)
    assert response.status_code == 200, response.text


def test_pages_by_id_stay_complete_when_invoices_change_between_pages(sandbox, ledger):
    first = _get(sandbox, ledger, "Invoices", params={"order": "InvoiceID ASC", "page": 1, "pageSize": 100})
    seen = [invoice["InvoiceID"] for invoice in first["Invoices"]]
    drafts = [invoice["InvoiceID"] for invoice in first["Invoices"] if invoice["Status"] == "DRAFT"]
    for invoice_id in (drafts[0], drafts[-1]):
        sandbox.clock_advance(5)
        _edit_reference(sandbox, ledger, invoice_id, "edited between pages")

    ids, _ = _pages(sandbox, ledger, {"order": "InvoiceID ASC"})

    assert ids[:100] == seen
    assert sorted(set(ids)) == ids
    assert len(ids) == INVOICES


def test_an_edited_invoice_shows_its_new_fields_on_a_page_read_before(sandbox, ledger):
    params = {"order": "InvoiceID ASC", "page": 2, "pageSize": 100}
    page = _get(sandbox, ledger, "Invoices", params=params)["Invoices"]
    position, invoice = next((n, invoice) for n, invoice in enumerate(page) if invoice["Status"] == "DRAFT")
    _edit_reference(sandbox, ledger, invoice["InvoiceID"], "changed")

    again = _get(sandbox, ledger, "Invoices", params=params)["Invoices"][position]

    assert again["InvoiceID"] == invoice["InvoiceID"]
    assert again["Reference"] == "changed"


def test_a_renamed_contact_shows_in_invoice_pages_read_before(sandbox, ledger):
    params = {"order": "InvoiceID ASC", "page": 1, "pageSize": 100}
    contact_id = _get(sandbox, ledger, "Invoices", params=params)["Invoices"][0]["Contact"]["ContactID"]
    rename = {"Contacts": [{"ContactID": contact_id, "Name": "Renamed Ltd"}]}
    sandbox.api("POST", "Contacts", access_token=ledger.access_token, tenant_id=ledger.tenant_id, json=rename)

    page = _get(sandbox, ledger, "Invoices", params=params)["Invoices"]

    names = {invoice["Contact"]["Name"] for invoice in page if invoice["Contact"]["ContactID"] == contact_id}
    assert names == {"Renamed Ltd"}


def test_if_modified_since_pages_by_id_hold_only_later_invoices_with_their_count(sandbox, ledger):
    every = _all_invoices(sandbox, ledger)
    moment = BASE + timedelta(minutes=60)
    later = [invoice for invoice in every if msdate.ms_of(invoice["UpdatedDateUTC"]) > msdate.to_ms(moment)]
    headers = {"If-Modified-Since": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}

    ids, paginations = _pages(sandbox, ledger, {"order": "InvoiceID ASC"}, headers=headers, size=25)

    assert 0 < len(later) < INVOICES
    assert ids == sorted(invoice["InvoiceID"] for invoice in later)
    assert paginations[0]["itemCount"] == len(later)
    assert paginations[0]["pageCount"] == -(-len(later) // 25)


def test_if_modified_since_pages_in_the_default_order(sandbox, ledger):
    every = _all_invoices(sandbox, ledger)
    moment = BASE + timedelta(minutes=30)
    later = [invoice for invoice in every if msdate.ms_of(invoice["UpdatedDateUTC"]) > msdate.to_ms(moment)]
    headers = {"If-Modified-Since": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}

    ids, paginations = _pages(sandbox, ledger, {}, headers=headers, size=40)

    assert ids == [invoice["InvoiceID"] for invoice in _default_order(later)]
    assert paginations[-1]["itemCount"] == len(later)


def test_where_filter_pages_by_id_with_the_filtered_count(sandbox, ledger):
    every = _all_invoices(sandbox, ledger)
    paid = sorted(invoice["InvoiceID"] for invoice in every if invoice["Status"] == "PAID")

    ids, paginations = _pages(sandbox, ledger, {"order": "InvoiceID ASC", "where": 'Status=="PAID"'}, size=30)

    assert ids == paid
    assert paginations[0] == {"page": 1, "pageSize": 30, "pageCount": -(-len(paid) // 30), "itemCount": len(paid)}


def test_statuses_and_if_modified_since_together_page_by_id(sandbox, ledger):
    every = _all_invoices(sandbox, ledger)
    moment = BASE + timedelta(minutes=50)
    expected = sorted(
        invoice["InvoiceID"]
        for invoice in every
        if invoice["Status"] in ("DRAFT", "AUTHORISED")
        and msdate.ms_of(invoice["UpdatedDateUTC"]) > msdate.to_ms(moment)
    )
    headers = {"If-Modified-Since": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}

    ids, paginations = _pages(
        sandbox, ledger, {"order": "InvoiceID DESC", "Statuses": "DRAFT,AUTHORISED"}, headers=headers, size=20
    )

    assert ids == expected[::-1]
    assert paginations[0]["itemCount"] == len(expected)


def test_updated_date_descending_keeps_invoices_of_the_same_moment_in_id_order(sandbox, ledger):
    every = _default_order(_all_invoices(sandbox, ledger))
    moments = [msdate.ms_of(invoice["UpdatedDateUTC"]) for invoice in every]
    expected = sorted(every, key=lambda invoice: -msdate.ms_of(invoice["UpdatedDateUTC"]))

    ids, _ = _pages(sandbox, ledger, {"order": "UpdatedDateUTC DESC"}, size=50)

    assert len(set(moments)) < len(moments)  # some invoices share their moment
    assert ids == [invoice["InvoiceID"] for invoice in expected]


def test_an_order_without_an_index_still_sorts_every_invoice(sandbox, ledger):
    every = _all_invoices(sandbox, ledger)

    ids, _ = _pages(sandbox, ledger, {"order": "InvoiceNumber DESC"}, size=100)

    assert ids == [invoice["InvoiceID"] for invoice in sorted(every, key=lambda i: i["InvoiceNumber"], reverse=True)]


@pytest.mark.parametrize("params", [{"page": 2}, {"page": 1, "summaryOnly": "true"}, {"page": 3, "unitdp": 4}, {}])
def test_list_pages_show_each_invoice_as_fetching_it_alone_does(sandbox, sandbox_tenant, params):
    created = sandbox.api(
        "PUT",
        "Invoices",
        access_token=sandbox_tenant.access_token,
        tenant_id=sandbox_tenant.tenant_id,
        headers={"Content-Type": "application/json"},
        data=jsonutil.dumps(
            {
                "Invoices": [
                    {
                        "Type": "ACCREC",
                        "Contact": {"Name": f"Buyer {n % 4}"},
                        "Date": "2026-03-01",
                        "DueDate": "2026-03-31",
                        "Status": "AUTHORISED",
                        "LineItems": [
                            {"Description": "x", "Quantity": 2, "UnitAmount": Decimal("10.1255"), "AccountCode": "200"},
                            {"Description": "y", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200"},
                        ],
                    }
                    for n in range(12)
                ]
            }
        ),
    )
    assert created.status_code == 200, created.text
    query = {"order": "InvoiceID ASC", "pageSize": 5, **params}

    listed = _get(sandbox, sandbox_tenant, "Invoices", params=query)["Invoices"]

    unit_dp = {"unitdp": params["unitdp"]} if "unitdp" in params else {}
    for invoice in listed:
        alone = _get(sandbox, sandbox_tenant, f"Invoices/{invoice['InvoiceID']}", params=unit_dp)["Invoices"][0]
        if "summaryOnly" in params:
            assert "LineItems" not in invoice
            alone = {key: value for key, value in alone.items() if key in invoice}
        elif "page" not in params:
            assert invoice["LineItems"] == []
            alone["LineItems"] = []
        assert invoice == alone


def test_contacts_pages_by_contact_id_skip_archived_contacts_in_their_count(sandbox, sandbox_tenant):
    sandbox.config(rate_limits="off")
    rng = random.Random(7)
    contacts = [
        {"ContactID": _guid(rng), "Name": f"Person {n}", "ContactStatus": "ARCHIVED" if n % 5 == 0 else "ACTIVE"}
        for n in range(60)
    ]
    sandbox.load(sandbox_tenant.tenant_id, {"Contacts": contacts})
    active = sorted(contact["ContactID"] for contact in contacts if contact["ContactStatus"] == "ACTIVE")

    first = _get(sandbox, sandbox_tenant, "Contacts", params={"order": "ContactID", "page": 1, "pageSize": 20})
    second = _get(sandbox, sandbox_tenant, "Contacts", params={"order": "ContactID", "page": 2, "pageSize": 20})
    third = _get(sandbox, sandbox_tenant, "Contacts", params={"order": "ContactID", "page": 3, "pageSize": 20})

    ids = [contact["ContactID"] for body in (first, second, third) for contact in body["Contacts"]]
    assert ids == active
    assert first["pagination"] == {"page": 1, "pageSize": 20, "pageCount": 3, "itemCount": len(active)}


def test_an_invoice_page_in_xml_lists_the_same_invoices(sandbox, ledger):
    params = {"order": "InvoiceID ASC", "page": 2, "pageSize": 10}
    ids = [invoice["InvoiceID"] for invoice in _get(sandbox, ledger, "Invoices", params=params)["Invoices"]]

    response = sandbox.api(
        "GET",
        "Invoices",
        access_token=ledger.access_token,
        tenant_id=ledger.tenant_id,
        params=params,
        accept_json=False,
    )

    assert "xml" in response.headers["Content-Type"]
    positions = [response.text.index(f"<InvoiceID>{invoice_id}</InvoiceID>") for invoice_id in ids]
    assert positions == sorted(positions)


def test_invoices_whose_text_looks_like_the_writers_markers_are_listed_as_they_are(sandbox, sandbox_tenant):
    contact = {"ContactID": "0b2f5a4e-5d6e-4f00-8000-000000000001", "Name": "Marker Ltd"}
    odd = ["\x00record\x00", "\x00contact\x00", "\x00\x01\x03" + "0\x03\x01\x00", '"\\u0000record\\u0000"']
    invoices = [
        {
            "InvoiceID": f"0b2f5a4e-5d6e-4f00-8000-00000000010{n}",
            "Type": "ACCREC",
            "Status": "DRAFT",
            "Contact": {"ContactID": contact["ContactID"]},
            "Reference": reference,
            "LineItems": [],
        }
        for n, reference in enumerate(odd)
    ]
    sandbox.load(sandbox_tenant.tenant_id, {"Contacts": [contact], "Invoices": invoices})

    listed = _get(sandbox, sandbox_tenant, "Invoices", params={"order": "InvoiceID", "page": 1})["Invoices"]

    assert [invoice["Reference"] for invoice in listed] == odd
    assert {invoice["Contact"]["Name"] for invoice in listed} == {"Marker Ltd"}
