"""When an invoice falls due under Xero's payment terms: a pure function of the invoice date and the terms.

Xero's four PaymentTermType values (Organisation and Contact docs, "PaymentTerms"; the spec's PaymentTermType):
- DAYSAFTERBILLDATE: `day` days after the invoice date (0: the invoice date itself);
- DAYSAFTERBILLMONTH: `day` days after the last day of the invoice's month;
- OFCURRENTMONTH: the `day`th of the invoice's month;
- OFFOLLOWINGMONTH: the `day`th of the month after the invoice's.
A `day` past the end of a month means that month's last day (the 31st of February is the 28th or 29th), as Xero's
invoice screen shows it. Capsync's own rule where Xero's docs are silent: OFCURRENTMONTH never gives a date before
the invoice date (an invoice dated the 20th "due the 15th of the current month" is due the day it is dated).
"""

import calendar
from datetime import date, timedelta

DAYS_AFTER_BILL_DATE = "DAYSAFTERBILLDATE"
DAYS_AFTER_BILL_MONTH = "DAYSAFTERBILLMONTH"
OF_CURRENT_MONTH = "OFCURRENTMONTH"
OF_FOLLOWING_MONTH = "OFFOLLOWINGMONTH"


def _day_of_month(year: int, month: int, day: int) -> date:
    return date(year, month, min(max(day, 1), calendar.monthrange(year, month)[1]))


def due_date(*, issued_on: date, day: int, terms_type: str) -> date:
    """The due date of an invoice dated `issued_on` under terms (`day`, `terms_type`). Raises ValueError for a
    terms type Xero does not have."""
    if terms_type == DAYS_AFTER_BILL_DATE:
        return issued_on + timedelta(days=day)
    month_end = _day_of_month(issued_on.year, issued_on.month, 31)
    if terms_type == DAYS_AFTER_BILL_MONTH:
        return month_end + timedelta(days=day)
    if terms_type == OF_CURRENT_MONTH:
        return max(_day_of_month(issued_on.year, issued_on.month, day), issued_on)
    if terms_type == OF_FOLLOWING_MONTH:
        following = month_end + timedelta(days=1)
        return _day_of_month(following.year, following.month, day)
    raise ValueError(f"Unknown payment terms type {terms_type!r}")


def terms_label(*, day: int, terms_type: str) -> str:
    """How the form names the terms, e.g. "20 day(s) after the invoice date", "the 15th of the following month"."""
    if terms_type == DAYS_AFTER_BILL_DATE:
        return f"{day} day(s) after the invoice date"
    if terms_type == DAYS_AFTER_BILL_MONTH:
        return f"{day} day(s) after the end of the invoice month"
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    month = "current" if terms_type == OF_CURRENT_MONTH else "following"
    return f"the {day}{suffix} of the {month} month"
