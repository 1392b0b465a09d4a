from decimal import Decimal

import pytest
from django.template import Context, Template

from invoices.money import CurrencyMismatch, Money, totals_add, totals_merge


def test_money_in_one_currency_adds_up():
    total = Money(Decimal("10.10"), "GBP") + Money(Decimal("0.20"), "GBP")

    assert total == Money(Decimal("10.30"), "GBP")


def test_money_in_one_currency_subtracts():
    rest = Money(Decimal("10.00"), "EUR") - Money(Decimal("2.50"), "EUR")

    assert rest == Money(Decimal("7.50"), "EUR")


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
