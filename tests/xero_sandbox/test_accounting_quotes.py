import pytest

from tests.xero_records import quote_element


@pytest.fixture
def contact_id(api) -> str:
    return api.contact("Acme Ltd")["ContactID"]


def test_create_numbers_and_totals_with_upper_case_line_amount_types(api, contact_id):
    result = api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id)]})

    quote = result.body["Quotes"][0]
    assert (quote["QuoteNumber"], quote["Status"], quote["LineAmountTypes"]) == ("QU-0001", "DRAFT", "EXCLUSIVE")
    assert (quote["SubTotal"], quote["TotalTax"], quote["Total"]) == (250, 50, 300)
    assert quote["ExpiryDateString"] == "2026-03-31T00:00:00"
    assert result.events == []


def test_contact_is_required(api):
    element = quote_element(contact_id="x")
    del element["Contact"]

    result = api.put("Quotes", {"Quotes": [element]})

    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"] == "Contact is required."


def test_date_is_required(api, contact_id):
    element = quote_element(contact_id=contact_id)
    del element["Date"]

    result = api.put("Quotes", {"Quotes": [element]})

    assert result.status == 400


def test_title_over_100_characters_is_refused(api, contact_id):
    result = api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id, Title="t" * 101)]})

    assert result.status == 400


def test_invoice_casing_of_line_amount_types_is_refused(api, contact_id):
    result = api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id, LineAmountTypes="Exclusive")]})

    assert result.status == 400


def test_sent_quote_can_be_accepted(api, contact_id):
    quote = api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id, Status="SENT")]}).body["Quotes"][0]

    result = api.post(f"Quotes/{quote['QuoteID']}", {"Quotes": [{"Status": "ACCEPTED"}]})

    assert result.body["Quotes"][0]["Status"] == "ACCEPTED"


def test_draft_cannot_jump_to_accepted(api, contact_id):
    quote = api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id)]}).body["Quotes"][0]

    result = api.post(f"Quotes/{quote['QuoteID']}", {"Status": "ACCEPTED"})

    assert result.status == 400


def test_list_has_no_pagination_object_and_pages_by_100(api, contact_id):
    api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id) for _ in range(101)]})

    first = api.get("Quotes", query={"page": "1", "pageSize": "5"})
    second = api.get("Quotes", query={"page": "2"})

    assert "pagination" not in first.body
    assert len(first.body["Quotes"]) == 100
    assert len(second.body["Quotes"]) == 1


def test_status_and_date_filters(api, contact_id):
    api.put(
        "Quotes",
        {
            "Quotes": [
                quote_element(contact_id=contact_id, Date="2026-01-10"),
                quote_element(contact_id=contact_id, Status="SENT"),
            ]
        },
    )

    sent = api.get("Quotes", query={"Status": "SENT"})
    early = api.get("Quotes", query={"DateTo": "2026-01-31"})

    assert [q["Status"] for q in sent.body["Quotes"]] == ["SENT"]
    assert [q["DateString"] for q in early.body["Quotes"]] == ["2026-01-10T00:00:00"]


def test_quote_number_and_contact_filters(api, contact_id):
    other = api.contact("Other")["ContactID"]
    api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id), quote_element(contact_id=other)]})

    by_number = api.get("Quotes", query={"QuoteNumber": "QU-0002"})
    by_contact = api.get("Quotes", query={"ContactID": contact_id})

    assert [q["Contact"]["Name"] for q in by_number.body["Quotes"]] == ["Other"]
    assert [q["QuoteNumber"] for q in by_contact.body["Quotes"]] == ["QU-0001"]


def test_get_one(api, contact_id):
    quote = api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id)]}).body["Quotes"][0]

    result = api.get(f"Quotes/{quote['QuoteID']}")

    assert result.body["Quotes"][0]["QuoteID"] == quote["QuoteID"]


def test_list_without_page_omits_line_items(api, contact_id):
    api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id)]})

    result = api.get("Quotes")

    assert result.body["Quotes"][0]["LineItems"] == []


def _accepted(api, contact_id) -> dict:
    quote = api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id, Status="SENT")]}).body["Quotes"][0]
    return api.post(f"Quotes/{quote['QuoteID']}", {"Quotes": [{"Status": "ACCEPTED"}]}).body["Quotes"][0]


def test_an_accepted_quote_can_be_marked_invoiced_and_then_stays_invoiced(api, contact_id):
    quote = _accepted(api, contact_id)

    invoiced = api.post(f"Quotes/{quote['QuoteID']}", {"Quotes": [{"Status": "INVOICED"}]})
    back = api.post(f"Quotes/{quote['QuoteID']}", {"Quotes": [{"Status": "ACCEPTED"}]})

    assert invoiced.body["Quotes"][0]["Status"] == "INVOICED"
    assert back.status == 400
    assert api.get(f"Quotes/{quote['QuoteID']}").body["Quotes"][0]["Status"] == "INVOICED"


def test_a_sent_quote_cannot_be_marked_invoiced(api, contact_id):
    quote = api.put("Quotes", {"Quotes": [quote_element(contact_id=contact_id, Status="SENT")]}).body["Quotes"][0]

    result = api.post(f"Quotes/{quote['QuoteID']}", {"Quotes": [{"Status": "INVOICED"}]})

    assert result.status == 400
