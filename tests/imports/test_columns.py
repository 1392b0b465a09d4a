from pathlib import Path

import pytest

from imports.columns import CONTACTS, OPPORTUNITIES, SKIP, kind_for_headers, mapping_for_headers
from imports.csvfile import FileUnreadable, decode, read_table

HERE = Path(__file__).parent


def _header(name: str) -> list[str]:
    return read_table(decode((HERE / name).read_bytes()))[0]


def test_capsules_contact_export_maps_itself_column_by_column():
    headers = _header("capsule_contacts_export.csv")

    mapping = dict(zip(headers, mapping_for_headers(headers, kind=CONTACTS), strict=True))

    assert mapping == {
        "Type": "type",
        "Name": "name",
        "Title": "title",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Job Title": "job_title",
        "Organisation": "organisation",
        "Email (Work)": "email:work",
        "Email (Home)": "email:home",
        "Phone (Work)": "phone:work",
        "Phone (Mobile)": "phone:mobile",
        "Street Address": "address:office:street",
        "City": "address:office:city",
        "State": "address:office:region",
        "Zip": "address:office:postcode",
        "Country": "address:office:country",
        "Tags": "tags",
        "Owner": "owner",
        "Team": "team",
        "About": "about",
    }


def test_other_spellings_of_capsules_headers_are_recognised_by_their_words():
    headers = [
        "Organization",
        "Email Address (Home)",
        "Work Email",
        "Mobile Phone Number",
        "Fax",
        "Home Address City",
        "Postcode",
        "Surname",
        "Notes",
        "Customer code",
    ]

    mapping = mapping_for_headers(headers, kind=CONTACTS)

    assert mapping == [
        "organisation",
        "email:home",
        "email:work",
        "phone:mobile",
        "phone:fax",
        "address:home:city",
        "address:office:postcode",
        "last_name",
        "about",
        SKIP,
    ]


def test_a_field_is_given_to_its_first_column_only():
    assert mapping_for_headers(["Email", "E-mail"], kind=CONTACTS) == ["email:work", SKIP]


def test_capsules_opportunity_export_is_told_apart_and_maps_itself():
    headers = _header("capsule_opportunities_export.csv")

    kind = kind_for_headers(headers)

    assert kind == OPPORTUNITIES
    assert mapping_for_headers(headers, kind=kind) == [
        "name",
        "contact",
        "value",
        "currency",
        "milestone",
        "expected_close",
        "owner",
        "description",
    ]
    assert kind_for_headers(_header("capsule_contacts_export.csv")) == CONTACTS


def test_a_file_saved_by_excel_in_windows_1252_with_semicolons_is_read():
    text = decode("Nom;Société\r\nZoë;Café Noir\r\n".encode("cp1252"))

    header, rows = read_table(text)

    assert header == ["Nom", "Société"]
    assert rows == [(2, ["Zoë", "Café Noir"])]


def test_blank_rows_are_left_out_but_rows_keep_their_spreadsheet_numbers():
    _, rows = read_table("Name,Email\n\nAda,ada@example.com\n,\nBob\n")

    assert rows == [(3, ["Ada", "ada@example.com"]), (5, ["Bob", ""])]


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"Name\n", "no rows"), (b"\x00\x01PK", "binary"), (b",,\nAda,,\n", "no header")],
)
def test_unreadable_files_say_why(data, reason):
    with pytest.raises(FileUnreadable, match=reason):
        read_table(decode(data))
