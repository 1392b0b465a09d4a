def test_put_creates_a_contact_with_an_id_and_updated_date(api):
    result = api.put("Contacts", {"Contacts": [{"Name": "Acme Ltd", "EmailAddress": "a@acme.example"}]})

    contact = result.body["Contacts"][0]
    assert result.status == 200
    assert len(contact["ContactID"]) == 36
    assert contact["ContactStatus"] == "ACTIVE"
    assert contact["UpdatedDateUTC"] == "/Date(1772452800000+0000)/"
    assert result.events[0].category == "CONTACT"
    assert result.events[0].event_type == "CREATE"


def test_get_one_by_id_returns_an_array(api):
    created = api.contact("Acme Ltd")

    result = api.get(f"Contacts/{created['ContactID']}")

    assert result.status == 200
    assert [c["Name"] for c in result.body["Contacts"]] == ["Acme Ltd"]


def test_get_one_by_contact_number(api):
    api.contact("Acme Ltd", ContactNumber="ACME-1")

    result = api.get("Contacts/ACME-1")

    assert result.body["Contacts"][0]["Name"] == "Acme Ltd"


def test_unknown_contact_is_a_plain_text_404(api):
    result = api.get("Contacts/00000000-0000-4000-8000-000000000000")

    assert result.status == 404
    assert result.body == b"The resource you're looking for cannot be found"


def test_name_is_required(api):
    result = api.put("Contacts", {"Contacts": [{"EmailAddress": "x@example.com"}]})

    assert result.status == 400
    assert result.body["Type"] == "ValidationException"
    assert result.body["Elements"][0]["ValidationErrors"] == [{"Message": "The contact name must be provided."}]


def test_name_longer_than_255_is_refused(api):
    result = api.put("Contacts", {"Contacts": [{"Name": "x" * 256}]})

    assert result.status == 400


def test_duplicate_active_name_is_refused_with_xeros_message(api):
    api.contact("Acme Ltd")

    result = api.put("Contacts", {"Contacts": [{"Name": "acme ltd"}]})

    assert result.status == 400
    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "The contact name acme ltd is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )


ARCHIVED_MATCH = (
    "The specified contact details matched an archived contact. "
    "Archived contacts cannot currently be edited via the API."
)


def test_duplicate_name_ignores_outer_spaces(api):
    api.contact("Acme Ltd")

    result = api.put("Contacts", {"Contacts": [{"Name": "  Acme Ltd "}]})

    assert result.status == 400
    assert result.body["Type"] == "ValidationException"


def test_rename_onto_an_active_name_is_refused_with_xeros_message(api):
    api.contact("Acme Ltd")
    other = api.contact("Other Ltd")

    result = api.post(f"Contacts/{other['ContactID']}", {"Contacts": [{"Name": "Acme Ltd"}]})

    assert result.status == 400
    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"].startswith(
        "The contact name Acme Ltd is already assigned to another contact."
    )
    assert api.get(f"Contacts/{other['ContactID']}").body["Contacts"][0]["Name"] == "Other Ltd"


def test_name_of_an_archived_contact_is_refused(api):
    old = api.contact("Acme Ltd")
    api.post(f"Contacts/{old['ContactID']}", {"ContactStatus": "ARCHIVED"})

    result = api.put("Contacts", {"Contacts": [{"Name": "acme ltd"}]})

    assert result.status == 400
    assert result.body["Type"] == "ValidationException"
    assert result.body["Elements"][0]["ValidationErrors"] == [{"Message": ARCHIVED_MATCH}]


def test_rename_onto_an_archived_name_is_refused(api):
    old = api.contact("Acme Ltd")
    other = api.contact("Other Ltd")
    api.post(f"Contacts/{old['ContactID']}", {"ContactStatus": "ARCHIVED"})

    result = api.post(f"Contacts/{other['ContactID']}", {"Contacts": [{"Name": "Acme Ltd"}]})

    assert result.status == 400
    assert result.body["Elements"][0]["ValidationErrors"] == [{"Message": ARCHIVED_MATCH}]


def test_an_archived_contact_cannot_be_edited(api):
    old = api.contact("Acme Ltd")
    api.post(f"Contacts/{old['ContactID']}", {"ContactStatus": "ARCHIVED"})

    result = api.post(f"Contacts/{old['ContactID']}", {"Contacts": [{"EmailAddress": "new@acme.example"}]})

    assert result.status == 400
    assert result.body["Elements"][0]["ValidationErrors"] == [{"Message": ARCHIVED_MATCH}]


def test_an_archived_contact_can_be_restored(api):
    old = api.contact("Acme Ltd")
    api.post(f"Contacts/{old['ContactID']}", {"ContactStatus": "ARCHIVED"})

    result = api.post(f"Contacts/{old['ContactID']}", {"Contacts": [{"ContactStatus": "ACTIVE"}]})

    assert result.status == 200
    assert (
        api.put("Contacts", {"Contacts": [{"Name": "Acme Ltd"}]})
        .body["Elements"][0]["ValidationErrors"][0]["Message"]
        .startswith("The contact name Acme Ltd is already assigned")
    )


def test_an_invoice_naming_an_archived_contact_is_refused(api):
    old = api.contact("Acme Ltd")
    api.post(f"Contacts/{old['ContactID']}", {"ContactStatus": "ARCHIVED"})

    result = api.put("Invoices", {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Acme Ltd"}, "LineItems": []}]})

    assert result.status == 400
    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"].startswith(
        "The contact with the specified contact details has been archived."
    )


def test_invalid_email_is_refused(api):
    result = api.put("Contacts", {"Contacts": [{"Name": "Acme", "EmailAddress": "not-an-email"}]})

    assert result.body["Elements"][0]["ValidationErrors"] == [{"Message": "Email address must be valid."}]


def test_valid_siblings_are_saved_when_one_element_fails(api):
    result = api.put("Contacts", {"Contacts": [{"Name": "Good Ltd"}, {"Name": ""}]})

    assert result.status == 400
    assert [c["Name"] for c in api.get("Contacts").body["Contacts"]] == ["Good Ltd"]


def test_put_with_an_existing_id_is_refused(api):
    contact = api.contact("Acme Ltd")

    result = api.put("Contacts", {"Contacts": [{"ContactID": contact["ContactID"], "Name": "Renamed"}]})

    assert result.status == 400
    assert api.get(f"Contacts/{contact['ContactID']}").body["Contacts"][0]["Name"] == "Acme Ltd"


def test_post_updates_by_id_and_bumps_updated_date(api):
    contact = api.contact("Acme Ltd")
    api.advance(60)

    result = api.post("Contacts", {"Contacts": [{"ContactID": contact["ContactID"], "Name": "Acme Widgets"}]})

    updated = result.body["Contacts"][0]
    assert updated["Name"] == "Acme Widgets"
    assert updated["UpdatedDateUTC"] == "/Date(1772452860000+0000)/"
    assert result.events[0].event_type == "UPDATE"


def test_post_without_id_creates(api):
    result = api.post("Contacts", {"Contacts": [{"Name": "New Ltd"}]})

    assert result.status == 200
    assert result.events[0].event_type == "CREATE"


def test_archived_contacts_are_hidden_unless_include_archived(api):
    contact = api.contact("Old Ltd")
    api.contact("Current Ltd")
    api.post(f"Contacts/{contact['ContactID']}", {"Contacts": [{"ContactStatus": "ARCHIVED"}]})

    default = api.get("Contacts")
    included = api.get("Contacts", query={"includeArchived": "True"})

    assert [c["Name"] for c in default.body["Contacts"]] == ["Current Ltd"]
    assert sorted(c["Name"] for c in included.body["Contacts"]) == ["Current Ltd", "Old Ltd"]


def test_search_term_matches_name_and_email_case_insensitively(api):
    api.contact("Acme Ltd", EmailAddress="billing@acme.example")
    api.contact("Bluebell Bakery", EmailAddress="hello@bluebell.example")
    api.contact("Priya Shah", FirstName="Priya", LastName="Shah")

    by_email = api.get("Contacts", query={"searchTerm": "BILLING@"})
    by_last_name = api.get("Contacts", query={"searchTerm": "shah"})

    assert [c["Name"] for c in by_email.body["Contacts"]] == ["Acme Ltd"]
    assert [c["Name"] for c in by_last_name.body["Contacts"]] == ["Priya Shah"]


def test_ids_filter(api):
    first = api.contact("One")
    api.contact("Two")
    third = api.contact("Three")

    result = api.get("Contacts", query={"IDs": f"{first['ContactID']},{third['ContactID'].upper()}"})

    assert sorted(c["Name"] for c in result.body["Contacts"]) == ["One", "Three"]


def test_summary_only_drops_addresses_and_phones(api):
    api.contact("Acme", Addresses=[{"AddressType": "STREET", "City": "Leeds"}], Phones=[{"PhoneType": "DEFAULT"}])

    result = api.get("Contacts", query={"summaryOnly": "true"})

    assert "Addresses" not in result.body["Contacts"][0]
    assert "Phones" not in result.body["Contacts"][0]


def test_balances_and_is_customer_change_without_bumping_updated_date(api):
    contact = api.contact("Acme")
    api.advance(3600)

    api.invoice(contact["ContactID"], amount="100.00", due="2026-02-01")
    result = api.get(f"Contacts/{contact['ContactID']}")

    stored = result.body["Contacts"][0]
    assert stored["UpdatedDateUTC"] == contact["UpdatedDateUTC"]
    assert stored["IsCustomer"] is True
    assert stored["Balances"]["AccountsReceivable"] == {"Outstanding": 120, "Overdue": 120}


def test_where_filters_contacts(api):
    api.contact("Acme", EmailAddress="a@acme.example")
    api.contact("Nomail")

    result = api.get("Contacts", query={"where": "EmailAddress!=null"})

    assert [c["Name"] for c in result.body["Contacts"]] == ["Acme"]


def test_where_syntax_error_is_a_query_parse_exception(api):
    result = api.get("Contacts", query={"where": 'Name=="x" AND'})

    assert result.status == 400
    assert result.body["Type"] == "QueryParseException"
    assert result.body["ErrorNumber"] == 16


def test_summarize_errors_false_returns_200_with_per_element_status(api):
    result = api.put(
        "Contacts",
        {"Contacts": [{"Name": "Fine Ltd"}, {"Name": "Bad", "EmailAddress": "nope"}]},
        query={"summarizeErrors": "false"},
    )

    statuses = [
        (c["Name"], c["StatusAttributeString"], c.get("HasValidationErrors", None)) for c in result.body["Contacts"]
    ]
    assert result.status == 200
    assert statuses == [("Fine Ltd", "OK", False), ("Bad", "ERROR", True)]
    assert result.body["Contacts"][1]["ValidationErrors"] == [{"Message": "Email address must be valid."}]


def test_malformed_json_body_is_a_400(api):
    result = api.put("Contacts", b"{not json")

    assert result.status == 400
    assert result.body["Type"] == "PostDataInvalidException"


def _person(n: int, **fields) -> dict:
    return {"FirstName": f"Person{n}", "LastName": "Payer", "EmailAddress": f"p{n}@acme.example", **fields}


def test_contact_persons_are_kept_with_include_in_emails(api):
    persons = [_person(1, IncludeInEmails=True), _person(2)]

    created = api.put(
        "Contacts", {"Contacts": [{"Name": "Acme Ltd", "EmailAddress": "a@acme.example", "ContactPersons": persons}]}
    )
    fetched = api.get(f"Contacts/{created.body['Contacts'][0]['ContactID']}")

    assert [(p["EmailAddress"], p["IncludeInEmails"]) for p in fetched.body["Contacts"][0]["ContactPersons"]] == [
        ("p1@acme.example", True),
        ("p2@acme.example", False),
    ]


def test_five_contact_persons_are_taken_and_a_sixth_refused(api):
    element = {"Name": "Acme Ltd", "EmailAddress": "a@acme.example"}

    five = api.put("Contacts", {"Contacts": [{**element, "ContactPersons": [_person(n) for n in range(5)]}]})
    six = api.post(
        f"Contacts/{five.body['Contacts'][0]['ContactID']}",
        {"Contacts": [{"ContactPersons": [_person(n) for n in range(6)]}]},
    )

    assert five.status == 200
    assert six.status == 400
    assert six.body["Elements"][0]["ValidationErrors"] == [
        {"Message": "A contact can have at most 5 contact persons (additional people)."}
    ]
    kept = api.get(f"Contacts/{five.body['Contacts'][0]['ContactID']}").body["Contacts"][0]["ContactPersons"]
    assert len(kept) == 5


def test_contact_persons_need_the_primary_persons_email(api):
    result = api.put("Contacts", {"Contacts": [{"Name": "Acme Ltd", "ContactPersons": [_person(1)]}]})

    assert result.status == 400
    assert result.body["Elements"][0]["ValidationErrors"] == [
        {"Message": "Additional people cannot be added when the primary person has no email address set."}
    ]


def test_a_contact_persons_email_must_be_valid(api):
    element = {"Name": "Acme Ltd", "EmailAddress": "a@acme.example", "ContactPersons": [_person(1, EmailAddress="x")]}

    result = api.put("Contacts", {"Contacts": [element]})

    assert result.status == 400
    assert result.body["Elements"][0]["ValidationErrors"] == [{"Message": "Email address must be valid."}]
