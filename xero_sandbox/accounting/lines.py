"""Line items and document totals, shared by invoices, credit notes and quotes.

Tax is deliberately simple: one standard rate per organisation country (GB 20 %, NZ 15 %, AU 10 %, otherwise 0 %),
applied to any tax type except the zero/exempt ones; an explicit line ``TaxAmount`` wins.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xero_sandbox.accounting.results import FOUR_DP, TWO_DP, ElementInvalid, money, to_decimal

Record = dict[str, Any]

_STANDARD_RATES = {"GB": Decimal(20), "NZ": Decimal(15), "AU": Decimal(10)}
_ZERO_TAX_TYPES = {
    "NONE",
    "EXEMPTOUTPUT",
    "EXEMPTINPUT",
    "EXEMPTEXPENSES",
    "EXEMPTINCOME",
    "ZERORATEDOUTPUT",
    "ZERORATEDINPUT",
    "ZERORATED",
    "EXEMPTCAPITAL",
    "EXEMPTEXPORT",
    "CAPEXINPUT",
}
INVOICE_LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
QUOTE_LINE_AMOUNT_TYPES = {"EXCLUSIVE": "Exclusive", "INCLUSIVE": "Inclusive", "NOTAX": "NoTax"}


def standard_rate(country: str) -> Decimal:
    """The organisation's standard tax rate in percent."""
    return _STANDARD_RATES.get(country, Decimal(0))


def default_tax_type(*, country: str, sales: bool, no_tax: bool) -> str:
    """The TaxType Xero puts on a line that names none."""
    if no_tax or country not in _STANDARD_RATES:
        return "NONE"
    if country == "GB":
        return "OUTPUT2" if sales else "INPUT2"
    return "OUTPUT" if sales else "INPUT"


@dataclass(frozen=True)
class Totals:
    """Computed lines and totals of a document."""

    lines: list[Record]
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal


def compute(
    *, lines: Any, line_amount_types: str, country: str, sales: bool, make_id: Callable[[], str], unit_dp: int = 2
) -> Totals:
    """Compute LineAmount/TaxAmount per line and the document totals.

    ``line_amount_types`` is the invoice casing (Exclusive|Inclusive|NoTax). Raises ElementInvalid on bad lines.
    """
    if lines is None:
        lines = []
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise ElementInvalid(["LineItems must be an array of line items."])
    no_tax = line_amount_types == "NoTax"
    unit_quantum = FOUR_DP if unit_dp >= 4 else TWO_DP
    computed: list[Record] = []
    sum_lines = Decimal(0)
    sum_tax = Decimal(0)
    for line in lines:
        out = dict(line)
        out["LineItemID"] = str(line.get("LineItemID") or make_id())
        quantity = to_decimal(line.get("Quantity", 1), field_name="Quantity")
        discount = to_decimal(line.get("DiscountRate", 0), field_name="DiscountRate")
        if "UnitAmount" in line and line["UnitAmount"] is not None:
            unit = to_decimal(line["UnitAmount"], field_name="UnitAmount").quantize(unit_quantum)
            amount = money(quantity * unit * (1 - discount / 100))
        elif "LineAmount" in line and line["LineAmount"] is not None:
            amount = money(to_decimal(line["LineAmount"], field_name="LineAmount"))
            unit = (amount / quantity).quantize(unit_quantum) if quantity else Decimal(0)
        else:
            unit = Decimal(0).quantize(unit_quantum)
            amount = Decimal("0.00")
        tax_type = line.get("TaxType") or default_tax_type(country=country, sales=sales, no_tax=no_tax)
        if no_tax:
            tax = Decimal("0.00")
        elif line.get("TaxAmount") is not None and "TaxType" in line:
            tax = money(to_decimal(line["TaxAmount"], field_name="TaxAmount"))
        else:
            rate = Decimal(0) if str(tax_type).upper() in _ZERO_TAX_TYPES else standard_rate(country)
            if line_amount_types == "Inclusive":
                tax = money(amount - amount / (1 + rate / 100))
            else:
                tax = money(amount * rate / 100)
        out.update(Quantity=quantity, UnitAmount=unit, LineAmount=amount, TaxType=tax_type, TaxAmount=tax)
        if discount:
            out["DiscountRate"] = discount
        out.setdefault("Tracking", [])
        computed.append(out)
        sum_lines += amount
        sum_tax += tax
    if line_amount_types == "Inclusive":
        total = money(sum_lines)
        sub_total = total - sum_tax
    else:
        sub_total = money(sum_lines)
        total = sub_total + sum_tax
    return Totals(lines=computed, sub_total=sub_total, total_tax=money(sum_tax), total=money(total))
