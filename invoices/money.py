"""Money as a Decimal with its currency, per-currency totals, and the one place amounts are rounded for display."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# A sum per ISO 4217 currency code. Amounts in different currencies are never added together.
type Totals = dict[str, Decimal]

# ISO 4217 minor units for the currencies that don't use two decimal places.
_ZERO_PLACES = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV"]
_ZERO_PLACES += ["XAF", "XOF", "XPF"]
_THREE_PLACES = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
_MINOR_UNITS = {**dict.fromkeys(_ZERO_PLACES, 0), **dict.fromkeys(_THREE_PLACES, 3)}


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"Cannot combine {left} with {right}")
        self.left = left
        self.right = right


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. Adding or subtracting another currency raises CurrencyMismatch."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal amount, not {type(self.amount).__name__}")
        if len(self.currency) != 3 or not self.currency.isascii() or not self.currency.isupper():
            raise ValueError(f"Not an ISO 4217 currency code: {self.currency!r}")

    def __add__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)


def totals_add(totals: Mapping[str, Decimal], *amounts: Money) -> Totals:
    """A new Totals with each amount added to its own currency's sum; `totals` is left unchanged."""
    result = dict(totals)
    for money in amounts:
        result[money.currency] = result.get(money.currency, Decimal(0)) + money.amount
    return result


def totals_merge(all_totals: Iterable[Mapping[str, Decimal]]) -> Totals:
    """The per-currency sum of several Totals, sorted by currency code."""
    result: Totals = {}
    for totals in all_totals:
        for currency, amount in totals.items():
            result[currency] = result.get(currency, Decimal(0)) + amount
    return dict(sorted(result.items()))


def decimal_places(currency: str) -> int:
    """How many decimal places the currency is shown with (ISO 4217 minor units; 2 unless listed)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def money_format(amount: Decimal, currency: str) -> str:
    """`GBP 1,234.50`: the ISO code, a space, the amount rounded half-up to the currency's places, grouped by 3.

    The code (not a symbol) is used because "$" alone is ambiguous across the organisations' currencies.
    """
    places = decimal_places(currency)
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)  # never show "-0.00"
    return f"{currency.upper()} {rounded:,.{places}f}"
