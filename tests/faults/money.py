"""The hostile world with money worth spotting, for the "who may see money" walk in test_web_security.py (fixture
`money_world` in conftest.py).

Every amount of team A's accounts is given six figures (987,654.32 and kin): invoices, a part payment, a credit
note and its allocation, the quote, the instalments, an invoice raised from the won opportunity and a line item,
so any total, sum or aged bucket a page shows has six figures too. Nothing else the CRM owns (opportunity values,
weighted values) comes near that, so a six-figure amount on a page is money to withhold."""

import re
from datetime import date
from decimal import Decimal

from invoices.models import CreditAllocation, Invoice, Quote
from opportunities.models import Instalment
from tests.factories import InvoiceFactory, PaymentFactory
from tests.faults.hostile import HostileWorld

INVOICE_TOTAL, PAID, CREDITED = Decimal("987654.32"), Decimal("123456.78"), Decimal("234567.89")
QUOTE_TOTAL, INSTALMENT = Decimal("765432.10"), Decimal("543210.98")
LINE_PRICE = Decimal("876543.21")  # an opportunity's line item: a price, gated like Xero's money
# A six-figure amount as a page would show it: "987,654.32" (the money filter), or "987654.32" (a form's value).
SIX_FIGURES = re.compile(r"\d{3},\d{3}\.\d{2}|(?<![\d.])\d{6,}\.\d{2}(?!\d)")


def money_world_build(world: HostileWorld) -> HostileWorld:
    """Give team A's accounts six-figure amounts: every invoice (overdue, part-paid), one payment, a credit note
    applied to the first invoice, the quote, and the instalments (the first matched to that invoice)."""
    Invoice.objects.update(
        issued_on=date(2026, 3, 1),
        due_on=date(2026, 3, 31),
        sub_total=INVOICE_TOTAL,
        total=INVOICE_TOTAL,
        amount_paid=PAID,
        amount_credited=CREDITED,
        amount_due=INVOICE_TOTAL - PAID - CREDITED,
    )
    first = Invoice.objects.filter(contact=world.contact, status=Invoice.Status.AUTHORISED).order_by("pk").first()
    PaymentFactory(invoice=first, amount=PAID, paid_on=date(2026, 3, 10))
    credit_note = InvoiceFactory(
        kind=Invoice.Kind.CREDIT_NOTE,
        type=Invoice.Type.ACCRECCREDIT,
        number="CN-SIX",
        organisation=first.organisation,
        contact=world.contact,
        sub_total=CREDITED,
        amount_credited=CREDITED,
        amount_due=Decimal(0),
        issued_on=date(2026, 3, 5),
    )
    CreditAllocation.objects.create(
        credit_note=credit_note, invoice_xero_id=first.xero_id, amount=CREDITED, allocated_on=date(2026, 3, 5)
    )
    InvoiceFactory(  # raised from the won opportunity in Xero (its reference names it)
        number="INV-OPP",
        reference=f"OPP-{world.won_opportunity.pk}",
        organisation=first.organisation,
        contact=world.won_opportunity.contact,
        sub_total=INVOICE_TOTAL,
        total=INVOICE_TOTAL,
        amount_due=INVOICE_TOTAL,
        issued_on=date(2026, 3, 1),
    )
    world.opportunity.lines.create(position=1, description="Six-figure line", quantity=1, unit_amount=LINE_PRICE)
    Quote.objects.update(total=QUOTE_TOTAL)
    Instalment.objects.update(amount=INSTALMENT)
    Instalment.objects.filter(pk=world.instalment.pk).update(invoice=first)
    return world
