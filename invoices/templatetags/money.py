"""`{% load money %}` then `{{ amount|money:"GBP" }}` → "GBP 1,234.50", or `{{ some_money|money }}` for a Money.

This filter is the only place amounts are rounded; see `invoices.money.money_format` for the format.
"""

from decimal import Decimal

from django import template

from invoices.money import Money, money_format

register = template.Library()


@register.filter(name="money")
def money(value: Decimal | int | Money | None, currency: str = "") -> str:
    """Format a Decimal (or int) in `currency`, or a Money in its own currency; None (no figure) shows as "".

    Floats are refused with TypeError: they would already have lost the exact amount.
    """
    if value is None:
        return ""
    if isinstance(value, Money):
        return money_format(value.amount, value.currency)
    if not currency:
        raise template.TemplateSyntaxError("money needs a currency code for a plain amount: amount|money:'GBP'")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"money formats Decimal amounts, not {type(value).__name__}")
    return money_format(Decimal(value), currency)
