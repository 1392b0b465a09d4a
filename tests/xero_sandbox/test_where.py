from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xero_sandbox.where import QueryParseError, compile_where, parse_order, sort_records

INVOICE = {
    "Type": "ACCREC",
    "Status": "AUTHORISED",
    "Contact": {"ContactID": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7", "Name": "Barney Rubble"},
    "Date": "/Date(1577923200000+0000)/",  # 2020-01-02
    "AmountDue": 115,
    "Reference": None,
    "IsDiscounted": False,
    "InvoiceNumber": "INV-0003",
}


@pytest.mark.parametrize(
    "expression",
    [
        'Type=="ACCREC" AND Status=="AUTHORISED"',
        'Type == "ACCREC" && Status == "AUTHORISED"',
        'Contact.ContactID==Guid("A3675FC4-F8DD-4F03-BA5B-F1870566BCD7")',
        "Date >= DateTime(2020, 01, 01)",
        "Date < DateTime(2020,1,3,0,0,0)",
        'Date > DateTime.Parse("2020-01-01T00:00:00")',
        'Contact.Name.Contains("Rubble")',
        'InvoiceNumber.StartsWith("INV-")',
        'InvoiceNumber.EndsWith("0003")',
        'Contact.Name.ToLower()=="barney rubble"',
        "Reference==null",
        "Contact.Name!=null",
        "Contact.Name.HasValue",
        "AmountDue > 0",
        "AmountDue >= 115.00",
        "IsDiscounted==false",
        '(Status=="DRAFT" OR Status=="AUTHORISED") AND AmountDue > 100',
        '(Status=="DRAFT" || Type=="ACCREC")',
        'Status!="DELETED"',
        'NOT Status=="DELETED"',
        'Status = "AUTHORISED"',
    ],
)
def test_matching_expressions(expression):
    assert compile_where(expression)(INVOICE) is True


@pytest.mark.parametrize(
    "expression",
    [
        'Type=="ACCPAY"',
        "Date < DateTime(2020, 01, 01)",
        'Contact.Name.Contains("rubble")',
        "Reference.HasValue",
        "AmountDue > 115",
        'Status=="DRAFT" AND Type=="ACCREC"',
        'Missing.Field=="x"',
    ],
)
def test_non_matching_expressions(expression):
    assert compile_where(expression)(INVOICE) is False


@pytest.mark.parametrize(
    "expression",
    [
        "Type==",
        '(Type=="ACCREC"',
        'Type=="ACCREC" AND',
        "Name.Frobnicate()",
        "DateTime(2020)",
        '"x" "y"',
        "Type ~ 1",
        "",
    ],
)
def test_malformed_expressions_raise_query_parse_error(expression):
    with pytest.raises(QueryParseError):
        compile_where(expression)


def test_python_calls_are_not_part_of_the_grammar():
    with pytest.raises(QueryParseError, match="unexpected"):
        compile_where('__import__("os").system("true")==1')


def test_order_parses_fields_and_directions():
    terms = parse_order("UpdatedDateUTC DESC, Name")

    assert [(term.path, term.descending) for term in terms] == [(("UpdatedDateUTC",), True), (("Name",), False)]


def test_order_rejects_unknown_direction():
    with pytest.raises(QueryParseError, match="direction"):
        parse_order("Name SIDEWAYS")


def test_sort_records_orders_dates_by_instant_and_names_case_insensitively():
    records = [
        {"Name": "beta", "UpdatedDateUTC": "/Date(3000+0000)/"},
        {"Name": "Alpha", "UpdatedDateUTC": "/Date(20000+0000)/"},
        {"Name": "gamma", "UpdatedDateUTC": "/Date(1000+0000)/"},
    ]

    by_name = sort_records(records, parse_order("Name ASC"))
    by_date = sort_records(records, parse_order("UpdatedDateUTC DESC"))

    assert [r["Name"] for r in by_name] == ["Alpha", "beta", "gamma"]
    assert [r["Name"] for r in by_date] == ["Alpha", "beta", "gamma"]


def test_datetime_literal_is_utc():
    predicate = compile_where("Date == DateTime(2020, 1, 2)")

    assert predicate({"Date": "/Date(1577923200000+0000)/"}) is True
    assert datetime(2020, 1, 2, tzinfo=UTC).timestamp() * 1000 == 1577923200000


TOKENS = [
    "Type",
    "Contact",
    ".",
    "ContactID",
    "Name",
    "==",
    "!=",
    ">=",
    "<",
    "(",
    ")",
    ",",
    '"ACCREC"',
    "'x'",
    "1",
    "2020",
    "99999999999",
    "AND",
    "OR",
    "&&",
    "||",
    "NOT",
    "!",
    "Guid",
    "DateTime",
    "Parse",
    "null",
    "true",
    "Contains",
    "ToLower",
    "HasValue",
    "AmountDue",
    "Date",
    " ",
    '"/Date(1)/"',
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14))
def test_any_token_soup_parses_or_raises_query_parse_error(tokens):
    try:
        predicate = compile_where("".join(tokens))
    except QueryParseError:
        return

    assert predicate(INVOICE) in (True, False)
