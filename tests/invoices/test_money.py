from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from invoices.money import CurrencyMismatch, Money, money_format, totals_add, totals_merge


def test_money_in_one_currency_adds_up():
    total = Money(Decimal("10.10"), "GBP") + Money(Decimal("0.20"), "GBP")

    assert total == Money(Decimal("10.30"), "GBP")


def test_money_in_one_currency_subtracts():
    rest = Money(Decimal("10.00"), "EUR") - Money(Decimal("2.50"), "EUR")

    assert rest == Money(Decimal("7.50"), "EUR")


def test_adding_two_currencies_is_refused():
    with pytest.raises(CurrencyMismatch, match="GBP with USD"):
        Money(Decimal(1), "GBP") + Money(Decimal(1), "USD")


def test_subtracting_two_currencies_is_refused():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal(1), "GBP") - Money(Decimal(1), "EUR")


def test_money_refuses_a_float_amount():
    with pytest.raises(TypeError, match="Decimal"):
        Money(1.1, "GBP")


def test_money_refuses_a_code_that_is_not_iso():
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal(1), "gbp")


def test_money_is_immutable():
    money = Money(Decimal(1), "GBP")

    with pytest.raises(AttributeError):
        money.amount = Decimal(2)


def test_totals_add_keeps_each_currency_apart():
    totals = totals_add({}, Money(Decimal("5"), "GBP"), Money(Decimal("7"), "USD"), Money(Decimal("1"), "GBP"))

    assert totals == {"GBP": Decimal("6"), "USD": Decimal("7")}


def test_totals_add_leaves_the_original_unchanged():
    original = {"GBP": Decimal("5")}

    totals_add(original, Money(Decimal("1"), "GBP"))

    assert original == {"GBP": Decimal("5")}


def test_totals_merge_sums_per_currency_sorted_by_code():
    merged = totals_merge([{"USD": Decimal("1"), "GBP": Decimal("2")}, {"GBP": Decimal("3")}])

    assert list(merged.items()) == [("GBP", Decimal("5")), ("USD", Decimal("1"))]


@given(amounts=st.lists(st.decimals(min_value=-(10**9), max_value=10**9, places=2), max_size=20))
def test_totals_are_exact_sums(amounts):
    totals = totals_add({}, *(Money(amount, "GBP") for amount in amounts))

    assert totals.get("GBP", Decimal(0)) == sum(amounts, Decimal(0))


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234.5"), "GBP", "GBP 1,234.50"),
        (Decimal("1234567.891"), "USD", "USD 1,234,567.89"),
        (Decimal("0.005"), "EUR", "EUR 0.01"),
        (Decimal("-12.5"), "NZD", "NZD -12.50"),
        (Decimal("-0.001"), "GBP", "GBP 0.00"),
        (Decimal("1234.5"), "JPY", "JPY 1,235"),
        (Decimal("1.25"), "KWD", "KWD 1.250"),
        (Decimal("7"), "gbp", "GBP 7.00"),
    ],
)
def test_money_format_rounds_half_up_to_the_currencys_places(amount, currency, shown):
    assert money_format(amount, currency) == shown


def test_money_filter_formats_a_decimal_with_the_given_currency():
    template = Template('{% load money %}{{ amount|money:"GBP" }}')

    rendered = template.render(Context({"amount": Decimal("1234.5")}))

    assert rendered == "GBP 1,234.50"


def test_money_filter_formats_a_money_in_its_own_currency():
    template = Template("{% load money %}{{ price|money }}")

    rendered = template.render(Context({"price": Money(Decimal("99"), "JPY")}))

    assert rendered == "JPY 99"


def test_money_filter_shows_nothing_for_a_missing_amount():
    template = Template('{% load money %}{{ amount|money:"GBP" }}')

    rendered = template.render(Context({"amount": None}))

    assert rendered == ""


def test_money_filter_refuses_a_float():
    template = Template('{% load money %}{{ amount|money:"GBP" }}')

    with pytest.raises(TypeError, match="Decimal"):
        template.render(Context({"amount": 1.5}))
