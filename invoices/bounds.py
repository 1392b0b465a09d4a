"""What forms accept for dates and money: values the database columns and Xero can hold, refused with a message
that says the limit, so an absurd figure never reaches a column (a 500) or Xero (a quote Capsync cannot store).

Money. Amount columns are `DecimalField(max_digits=18, decimal_places=2)`, but Xero holds amounts as doubles
(`format: double` in its OpenAPI spec), exact to the cent only below 2**53 cents (about 90 trillion). A line total,
and a document's total, is therefore kept to MONEY_MAX, 13 digits before the point: exact in Xero, and with room
in the columns for tax and for totals of many documents. Quantities follow Xero's four decimal places.

Dates. Calendar dates of business documents: from 2000 to 2099. Outside it, a date is a typing slip (0001-01-01)
or would overflow when months are added to it (9999-12-01 plus a month is the year 10000).
"""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

MONEY_MAX = Decimal("9999999999999.99")
QUANTITY_MAX = Decimal("99999999.9999")
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def date_in_range(value: date) -> None:
    """Django validator: refuses a date outside EARLIEST_DATE..LATEST_DATE."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            f"Pick a date between {EARLIEST_DATE:%d %b %Y} and {LATEST_DATE:%d %b %Y}.", code="date_out_of_range"
        )


def date_field(**kwargs: object) -> forms.DateField:
    """A date field with the browser's date picker (ISO dates whatever the locale), bounded to the sensible range."""
    widget = forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
    )
    return forms.DateField(widget=widget, validators=[date_in_range], **kwargs)


def money_field(*, min_value: Decimal, **kwargs: object) -> forms.DecimalField:
    """An amount in a currency, in pennies, from `min_value` up to MONEY_MAX."""
    return forms.DecimalField(max_digits=15, decimal_places=2, min_value=min_value, max_value=MONEY_MAX, **kwargs)


def money_in_range(value: Decimal, *, what: str) -> None:
    """Refuses a computed amount (a line's total, a document's) above MONEY_MAX, naming `what` it is."""
    if abs(value) > MONEY_MAX:
        raise ValidationError(
            f"{what} comes to {value:,.2f}, more than Xero and Capsync hold (at most {MONEY_MAX:,}).",
            code="amount_too_large",
        )
