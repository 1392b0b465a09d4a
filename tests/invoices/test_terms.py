"""Xero's payment terms, worked by hand on a calendar."""

from datetime import date

import pytest

from invoices.terms import due_date, terms_label


@pytest.mark.parametrize(
    ("issued_on", "day", "terms_type", "due"),
    [
        # 15 Jan + 30 days = 14 Feb.
        (date(2026, 1, 15), 30, "DAYSAFTERBILLDATE", date(2026, 2, 14)),
        (date(2026, 1, 15), 0, "DAYSAFTERBILLDATE", date(2026, 1, 15)),
        # Across a year end: 20 Dec + 14 days = 3 Jan.
        (date(2026, 12, 20), 14, "DAYSAFTERBILLDATE", date(2027, 1, 3)),
        # End of January is the 31st; + 20 days = 20 Feb.
        (date(2026, 1, 15), 20, "DAYSAFTERBILLMONTH", date(2026, 2, 20)),
        # End of February 2028 (a leap year) is the 29th; + 1 day = 1 Mar.
        (date(2028, 2, 3), 1, "DAYSAFTERBILLMONTH", date(2028, 3, 1)),
        # The 20th of the invoice's month.
        (date(2026, 3, 4), 20, "OFCURRENTMONTH", date(2026, 3, 20)),
        # The 31st of a 30-day month is its last day.
        (date(2026, 4, 4), 31, "OFCURRENTMONTH", date(2026, 4, 30)),
        # Already past the 15th: due on the invoice date, never before it.
        (date(2026, 3, 20), 15, "OFCURRENTMONTH", date(2026, 3, 20)),
        # The 15th of the next month.
        (date(2026, 3, 20), 15, "OFFOLLOWINGMONTH", date(2026, 4, 15)),
        # From January, the 31st of February is the 28th (2026 is no leap year).
        (date(2026, 1, 31), 31, "OFFOLLOWINGMONTH", date(2026, 2, 28)),
        # From December, the following month is next year's January.
        (date(2026, 12, 1), 10, "OFFOLLOWINGMONTH", date(2027, 1, 10)),
    ],
)
def test_the_due_date_follows_xeros_terms(issued_on, day, terms_type, due):
    assert due_date(issued_on=issued_on, day=day, terms_type=terms_type) == due


def test_an_unknown_terms_type_is_refused():
    with pytest.raises(ValueError, match="Unknown payment terms"):
        due_date(issued_on=date(2026, 1, 1), day=1, terms_type="WHENEVER")


def test_terms_are_named_as_xero_names_them():
    assert terms_label(day=30, terms_type="DAYSAFTERBILLDATE") == "30 day(s) after the invoice date"
    assert terms_label(day=22, terms_type="OFFOLLOWINGMONTH") == "the 22nd of the following month"
    assert terms_label(day=11, terms_type="OFCURRENTMONTH") == "the 11th of the current month"
