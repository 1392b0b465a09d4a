"""A few accounting behaviours end to end through the sandbox's HTTP server (the rest is tested on handle())."""

from decimal import Decimal

from xero_sandbox import jsonutil


def _call(sandbox, tenant, method, path, **kwargs):
    return sandbox.api(method, path, access_token=tenant.access_token, tenant_id=tenant.tenant_id, **kwargs)


def test_created_invoice_comes_back_in_the_envelope_with_exact_amounts(sandbox, sandbox_tenant):
    contact = _call(sandbox, sandbox_tenant, "PUT", "Contacts", json={"Contacts": [{"Name": "Http Ltd"}]}).json()
    contact_id = contact["Contacts"][0]["ContactID"]
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact_id},
                "Date": "2026-03-01",
                "LineItems": [{"Description": "x", "Quantity": 3, "UnitAmount": 33.33}],
            }
        ]
    }

    response = _call(
        sandbox,
        sandbox_tenant,
        "PUT",
        "Invoices",
        data=jsonutil.dumps(body),
        headers={"Content-Type": "application/json"},
    )

    parsed = jsonutil.loads(response.content)
    assert response.status_code == 200
    assert parsed["Status"] == "OK"
    assert parsed["DateTimeUTC"].startswith("/Date(")
    assert parsed["Invoices"][0]["Total"] == Decimal("119.99")
    assert b'"SubTotal":99.99' in response.content


def test_without_accept_json_the_answer_is_xml(sandbox, sandbox_tenant):
    response = _call(sandbox, sandbox_tenant, "GET", "Organisation", accept_json=False)

    assert "xml" in response.headers["Content-Type"]
    assert response.text.lstrip().startswith("<")


def test_unknown_invoice_is_a_plain_text_404(sandbox, sandbox_tenant):
    response = _call(sandbox, sandbox_tenant, "GET", "Invoices/INV-9999")

    assert response.status_code == 404
    assert response.text == "The resource you're looking for cannot be found"


def test_if_modified_since_header_filters_contacts(sandbox, sandbox_tenant):
    _call(sandbox, sandbox_tenant, "PUT", "Contacts", json={"Contacts": [{"Name": "Before Ltd"}]})
    watermark = sandbox.clock_advance(60)
    sandbox.clock_advance(1)
    _call(sandbox, sandbox_tenant, "PUT", "Contacts", json={"Contacts": [{"Name": "After Ltd"}]})

    response = _call(sandbox, sandbox_tenant, "GET", "Contacts", headers={"If-Modified-Since": watermark.isoformat()})

    assert [c["Name"] for c in response.json()["Contacts"]] == ["After Ltd"]


def test_loaded_contacts_page_with_pagination_object(sandbox, sandbox_tenant):
    sandbox.load(sandbox_tenant.tenant_id, {"Contacts": [{"Name": f"Loaded {n}"} for n in range(7)]})

    response = _call(sandbox, sandbox_tenant, "GET", "Contacts", params={"page": 2, "pageSize": 5})

    assert response.json()["pagination"] == {"page": 2, "pageSize": 5, "pageCount": 2, "itemCount": 7}
    assert len(response.json()["Contacts"]) == 2


def test_invoices_render_as_xml_with_exact_amounts(sandbox, sandbox_tenant):
    contact = _call(sandbox, sandbox_tenant, "PUT", "Contacts", json={"Contacts": [{"Name": "Xml Ltd"}]}).json()
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact["Contacts"][0]["ContactID"]},
                "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10.10}],
            }
        ]
    }
    _call(sandbox, sandbox_tenant, "PUT", "Invoices", json=body)

    response = _call(sandbox, sandbox_tenant, "GET", "Invoices", accept_json=False, params={"page": 1})

    assert response.status_code == 200
    assert "<Total>12.12</Total>" in response.text


def test_loaded_catalogue_reads_back_as_json_and_xml(sandbox, sandbox_tenant):
    sandbox.load(
        sandbox_tenant.tenant_id,
        {
            "Items": [{"Code": "HOUR", "Name": "Hour", "SalesDetails": {"UnitPrice": 95.5, "AccountCode": "200"}}],
            "TrackingCategories": [{"Name": "Region", "Options": ["North", {"Name": "West", "Status": "ARCHIVED"}]}],
        },
    )

    xml = _call(sandbox, sandbox_tenant, "GET", "Items", accept_json=False)
    tracking = _call(sandbox, sandbox_tenant, "GET", "TrackingCategories", params={"includeArchived": "true"}).json()

    assert "<Items><Item>" in xml.text
    assert "<UnitPrice>95.50</UnitPrice>" in xml.text
    assert [o["Status"] for o in tracking["TrackingCategories"][0]["Options"]] == ["ACTIVE", "ARCHIVED"]
