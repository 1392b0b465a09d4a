import pytest

from tests.xero_sandbox.accounting_api import Api, new_tenant


@pytest.fixture
def api() -> Api:
    api = Api(data=new_tenant())
    for number in range(1, 251):
        api.contact(f"Contact {number:03d}")
        api.advance(1)
    return api


def test_page_size_defaults_to_100(api):
    result = api.get("Contacts", query={"page": "1"})

    assert len(result.body["Contacts"]) == 100
    assert result.body["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 3, "itemCount": 250}


def test_last_page_is_partial(api):
    result = api.get("Contacts", query={"page": "3"})

    assert len(result.body["Contacts"]) == 50


def test_page_past_the_end_is_an_empty_array(api):
    result = api.get("Contacts", query={"page": "4"})

    assert result.body["Contacts"] == []
    assert result.body["pagination"]["itemCount"] == 250


def test_page_size_is_clamped_to_1000(api):
    result = api.get("Contacts", query={"page": "1", "pageSize": "5000"})

    assert result.body["pagination"]["pageSize"] == 1000
    assert len(result.body["Contacts"]) == 250


def test_pages_follow_updated_date_order_without_gaps(api):
    pages = [api.get("Contacts", query={"page": str(n), "pageSize": "40"}).body["Contacts"] for n in range(1, 8)]

    names = [c["Name"] for page in pages for c in page]
    assert names == [f"Contact {n:03d}" for n in range(1, 251)]


def test_without_page_every_contact_is_returned(api):
    result = api.get("Contacts")

    assert len(result.body["Contacts"]) == 250
    assert "pagination" not in result.body


def test_if_modified_since_is_strictly_after(api):
    # Contact 101 was stamped at START + 100 s = 2026-03-02T12:01:40Z.
    result = api.get("Contacts", headers={"if-modified-since": "2026-03-02T12:01:40"})

    assert result.body["Contacts"][0]["Name"] == "Contact 102"
    assert len(result.body["Contacts"]) == 149


def test_if_modified_since_with_offset_and_fraction(api):
    result = api.get("Contacts", headers={"if-modified-since": "2026-03-02T13:01:39.500+01:00"})

    assert result.body["Contacts"][0]["Name"] == "Contact 101"


def test_if_modified_since_in_rfc1123_form(api):
    result = api.get("Contacts", headers={"if-modified-since": "Mon, 02 Mar 2026 12:04:08 GMT"})

    assert [c["Name"] for c in result.body["Contacts"]] == ["Contact 250"]


def test_unparseable_if_modified_since_is_ignored(api):
    result = api.get("Contacts", headers={"if-modified-since": "soon"})

    assert len(result.body["Contacts"]) == 250


def test_updated_record_moves_to_the_end_of_the_default_order(api):
    first = api.get("Contacts", query={"page": "1"}).body["Contacts"][0]
    api.advance(10)
    api.post(f"Contacts/{first['ContactID']}", {"Name": "Renamed"})

    result = api.get("Contacts", query={"page": "3"})

    assert result.body["Contacts"][-1]["Name"] == "Renamed"


def test_order_parameter(api):
    result = api.get("Contacts", query={"order": "Name DESC", "page": "1", "pageSize": "2"})

    assert [c["Name"] for c in result.body["Contacts"]] == ["Contact 250", "Contact 249"]


def test_bad_order_is_a_query_parse_exception(api):
    result = api.get("Contacts", query={"order": "Name UPWARDS"})

    assert result.status == 400
    assert result.body["Type"] == "QueryParseException"


def test_non_numeric_page_is_a_400(api):
    result = api.get("Contacts", query={"page": "two"})

    assert result.status == 400


def test_query_parameter_names_are_case_insensitive(api):
    result = api.get("Contacts", query={"PAGE": "2", "pagesize": "10"})

    assert result.body["pagination"]["page"] == 2
    assert result.body["pagination"]["pageSize"] == 10
