"""Generated benchmark organisations (--contacts N --invoices M): reproducible, with a named mix.

The same arguments (seed, counts, ``today`` and mix) give the same records and GUIDs. ``Mix`` names every share the
generator draws with; its defaults are the mix the benchmarks have always used.
"""

import gc
import math
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xero_sandbox.seed.builder import Builder, Record, seeded_tenant
from xero_sandbox.store import TenantData, new_id

HISTORY_DAYS = 1095  # documents are spread over the last three years
CONTACTS_SINCE_DAYS = 1100  # contacts are all made within 60 days of this many days ago
AMOUNT_CENTS = (50, 500_000)  # unit amounts from 0.50 up to 5,000.00
FOREIGN_CURRENCY, FOREIGN_RATE = "USD", "1.27"
SETTLED_WITHIN_DAYS = 45  # payments, voids and credits follow the document within this many days
# A small catalogue (the shape of demo.json's), so invoicing can be measured against a generated organisation too.
CATALOGUE: dict = {
    "payment_terms": {"Sales": {"Day": 30, "Type": "DAYSAFTERBILLDATE"}},
    "tracking_categories": [{"Name": "Region", "Options": ["North", "South", {"Name": "West", "Status": "ARCHIVED"}]}],
    "items": [
        {"Code": "HOUR", "Name": "Service hour", "SalesDetails": {"UnitPrice": "95.00", "AccountCode": "200"}},
        {"Code": "SETUP", "Name": "Set-up fee", "SalesDetails": {"UnitPrice": "250.00", "AccountCode": "260"}},
        {"Code": "LICENCE", "Name": "Annual licence", "SalesDetails": {"UnitPrice": "1200.00", "AccountCode": "200"}},
    ],
}


@dataclass(frozen=True)
class Mix:
    """The make-up of a generated organisation. Shares are probabilities between 0 and 1."""

    customers: float = 0.7  # contacts (the first ones) that are sent sales invoices
    suppliers: float = 0.1  # contacts (the last ones) that send bills
    with_email: float = 0.85  # contacts with an email address
    supplier_bills: float = 0.1  # documents that are supplier bills (ACCPAY) rather than sales invoices (ACCREC)
    draft: float = 0.05  # documents left in DRAFT
    submitted: float = 0.03  # documents left SUBMITTED for approval
    foreign_currency: float = 0.05  # documents in FOREIGN_CURRENCY rather than the base currency
    voided: float = 0.03  # authorised documents voided later
    recent_days: int = 90  # documents up to this many days old are "recent"; the rest are "older"
    paid_recent: float = 0.37  # recent authorised documents paid in full
    paid_older: float = 0.87  # older authorised documents paid in full (the rest of the older ones stay open)
    part_paid_recent: float = 0.15  # recent authorised documents paid a third
    credited_recent: float = 0.02  # recent base-currency sales given a goodwill credit note (a fifth, allocated)
    payment_terms_days: tuple[int, ...] = (7, 14, 30, 30, 60)  # due dates: one of these after the date, equally likely
    quantities: tuple[int, ...] = (1, 1, 1, 2, 5)  # line quantities, equally likely


def _cut(*shares: float) -> float:
    """The upper bound of a band of outcomes after the bands before it (fsum: 0.03 + 0.37 + 0.15 + 0.02 is 0.57)."""
    return math.fsum(shares)


_WORDS_A = (
    "Alder",
    "Birch",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbour",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meadow",
    "Nimbus",
    "Orchard",
    "Pioneer",
    "Quarry",
    "Riverside",
    "Summit",
    "Thistle",
)
_WORDS_B = (
    "Analytics",
    "Bakery",
    "Builders",
    "Consulting",
    "Design",
    "Engineering",
    "Foods",
    "Graphics",
    "Hotels",
    "Interiors",
    "Joinery",
    "Kitchens",
    "Logistics",
    "Media",
    "Networks",
    "Outfitters",
    "Plumbing",
    "Studios",
    "Traders",
    "Ventures",
)
_SUFFIXES = ("Ltd", "Limited", "LLP", "& Co", "Group", "Partners")


def generate(
    *,
    tenant_id: str,
    organisation: dict,
    contacts: int,
    invoices: int,
    seed: int = 42,
    today: date,
    mix: Mix = Mix(),
) -> TenantData:
    """A reproducible random organisation for benchmarks (same arguments, same records and GUIDs).

    With the default mix, 70 % of contacts are paying customers; invoices spread over the last three years with mixed
    statuses, payments (full and part) and some allocated credit notes; about one in ten documents is a supplier bill.
    """
    # The records are acyclic; pausing the cyclic GC while millions of dicts are created saves about a quarter of
    # the time (every gen-2 pass would otherwise walk everything built so far).
    # At the end gc.freeze() moves everything built into the permanent generation, so neither the first API call
    # nor any later collection walks millions of records (a full collection here took 1-2 s at 100,000 invoices);
    # the collections are ordered for the same reason.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        data = _generate(
            organisation=organisation,
            tenant_id=tenant_id,
            contacts=contacts,
            invoices=invoices,
            seed=seed,
            today=today,
            mix=mix,
        )
        data.make_id = new_id
        for collection in data.collections.values():
            collection.ordered()
    finally:
        if gc_was_enabled:
            gc.enable()
    gc.freeze()
    return data


def _generate(
    *, organisation: dict, tenant_id: str, contacts: int, invoices: int, seed: int, today: date, mix: Mix
) -> TenantData:
    rng = random.Random(seed)
    data = seeded_tenant(organisation=organisation, seed=f"generate/{seed}/{tenant_id}")
    for collection in data.collections.values():
        collection.begin_bulk()
    for code in ("USD", "EUR"):
        data.enable_currency(code)
    builder = Builder(data=data, today=today)
    builder.catalogue(CATALOGUE, on=-CONTACTS_SINCE_DAYS)
    contact_ids: list[str] = []
    for number in range(1, contacts + 1):
        name = f"{rng.choice(_WORDS_A)} {rng.choice(_WORDS_B)} {number:05d} {rng.choice(_SUFFIXES)}"
        fields: Record = {"Name": name, "ContactNumber": f"C{number:05d}"}
        if rng.random() < mix.with_email:
            fields["EmailAddress"] = f"accounts{number}@example-{number % 97}.example"
        contact_ids.append(builder.contact(f"c{number}", on=-CONTACTS_SINCE_DAYS + rng.randrange(0, 60), **fields))
    if not contact_ids:
        return data
    paying = contact_ids[: max(1, int(len(contact_ids) * mix.customers))]
    suppliers = contact_ids[int(len(contact_ids) * (1 - mix.suppliers)) :] or contact_ids[-1:]
    submitted_until = _cut(mix.draft, mix.submitted)
    for _ in range(invoices):
        age = rng.randrange(0, HISTORY_DAYS)
        supplier_bill = rng.random() < mix.supplier_bills
        contact = rng.choice(suppliers if supplier_bill else paying)
        roll = rng.random()
        status = "AUTHORISED"
        if roll < mix.draft:
            status = "DRAFT"
        elif roll < submitted_until:
            status = "SUBMITTED"
        amount = f"{rng.randrange(*AMOUNT_CENTS) / 100:.2f}"
        currency = rate = None
        if rng.random() < mix.foreign_currency:
            currency, rate = FOREIGN_CURRENCY, FOREIGN_RATE
        invoice_id = builder.invoice(
            contact,
            on=-age,
            due=-age + rng.choice(mix.payment_terms_days),
            status=status,
            amount=amount,
            kind="ACCPAY" if supplier_bill else "ACCREC",
            currency=currency,
            rate=rate,
            quantity=str(rng.choice(mix.quantities)),
            description=f"{rng.choice(_WORDS_B)} services",
        )
        if status == "AUTHORISED":
            sale = not supplier_bill and not currency
            _settle(builder, invoice_id, contact=contact, age=age, rng=rng, mix=mix, sale=sale)
    return data


def _settle(
    builder: Builder, invoice_id: str, *, contact: str, age: int, rng: random.Random, mix: Mix, sale: bool
) -> None:
    """Void, pay, part-pay or credit an authorised document, or leave it open, as the mix has it.

    ``sale`` is a base-currency sales invoice, the only kind that may get a goodwill credit note.
    """
    data = builder.data
    outcome = rng.random()
    settled_on = min(-age + rng.randrange(1, SETTLED_WITHIN_DAYS), 0)
    recent = age <= mix.recent_days
    if outcome < mix.voided:
        builder.set_status(invoice_id, "VOIDED", on=min(-age + 1, 0))
    elif outcome < _cut(mix.voided, mix.paid_recent if recent else mix.paid_older):
        builder.pay_in_full(invoice_id, on=settled_on)
    elif recent and outcome < _cut(mix.voided, mix.paid_recent, mix.part_paid_recent):
        due = data.invoices.get(invoice_id)["AmountDue"]  # type: ignore[index]
        builder.pay(invoice_id, (due / 3).quantize(Decimal("0.01")), on=settled_on)
    elif recent and sale and outcome < _cut(mix.voided, mix.paid_recent, mix.part_paid_recent, mix.credited_recent):
        due = data.invoices.get(invoice_id)["AmountDue"]  # type: ignore[index]
        credit_amount = (due / 5 / Decimal("1.2")).quantize(Decimal("0.01"))
        credit = builder.invoice(
            contact, on=settled_on, amount=str(credit_amount), kind="ACCRECCREDIT", description="Goodwill credit"
        )
        remaining = data.credit_notes.get(credit)["RemainingCredit"]  # type: ignore[index]
        builder.allocate(credit, invoice_id, str(min(remaining, due)), on=settled_on)
