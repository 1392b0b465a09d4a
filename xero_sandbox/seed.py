"""Seed data: the two demo organisations and generated benchmark organisations.

Records are built through the same write rules the API uses (totals, payments, allocations, statuses), so seeded
data is consistent with what the sandbox itself would produce. Every document is dated relative to ``today`` and
every ``UpdatedDateUTC`` lies before ``today``, so the sandbox clock is always later than any seeded change.
"""

import gc
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from xero_sandbox.accounting import allocations, contacts, invoices, payments, quotes
from xero_sandbox.store import TenantData, default_accounts, guid_from_bits, new_id

Record = dict[str, Any]


@dataclass
class _Builder:
    """Writes records through the API rules, stamping each change at a business moment before ``today``."""

    data: TenantData
    today: date
    tick: int = 0
    ids: dict[str, str] = field(default_factory=dict)

    def moment(self, day: date) -> datetime:
        """09:00 UTC on ``day`` plus a millisecond per change (keeps the order stable), capped at noon yesterday."""
        self.tick += 1
        offset = timedelta(milliseconds=self.tick)
        latest = datetime.combine(self.today - timedelta(days=1), time(12), tzinfo=UTC)
        return min(datetime.combine(min(day, self.today), time(9), tzinfo=UTC), latest) + offset

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def contact(self, key: str, *, on: int = -400, **fields: Any) -> str:
        view, _ = contacts.contact_save(data=self.data, element=fields, now=self.moment(self.day(on)), create_only=True)
        self.ids[key] = view["ContactID"]
        return view["ContactID"]

    def invoice(
        self,
        contact: str,
        *,
        on: int,
        due: int | None = None,
        status: str = "AUTHORISED",
        amount: str = "100.00",
        kind: str = "ACCREC",
        description: str = "Consulting services",
        currency: str | None = None,
        rate: str | None = None,
        reference: str = "",
        line_amount_types: str = "Exclusive",
        quantity: str = "1",
    ) -> str:
        element: Record = {
            "Type": kind,
            "Contact": {"ContactID": self.ids.get(contact, contact)},
            "Date": self.day(on).isoformat(),
            "Status": status,
            "Reference": reference,
            "LineAmountTypes": line_amount_types,
            "LineItems": [
                {
                    "Description": description,
                    "Quantity": Decimal(quantity),
                    "UnitAmount": Decimal(amount),
                    "AccountCode": "200" if kind.startswith("ACCREC") else "400",
                }
            ],
        }
        if due is not None:
            element["DueDate"] = self.day(due).isoformat()
        if currency:
            element["CurrencyCode"] = currency
        if rate:
            element["CurrencyRate"] = Decimal(rate)
        kind_spec = invoices.INVOICE if kind in ("ACCREC", "ACCPAY") else invoices.CREDIT_NOTE
        view, _ = invoices.document_save(
            data=self.data, kind=kind_spec, element=element, now=self.moment(self.day(on)), create_only=True
        )
        return view[kind_spec.id_field]

    def set_status(self, invoice_id: str, status: str, *, on: int, collection: str = "Invoices") -> None:
        kind = invoices.kind_of(collection)
        invoices.document_save(
            data=self.data,
            kind=kind,
            element={"Status": status},
            now=self.moment(self.day(on)),
            create_only=False,
            document_id=invoice_id,
        )

    def pay(self, invoice_id: str, amount: str | Decimal, *, on: int, account: str = "090", reference: str = "") -> str:
        element = {
            "Invoice": {"InvoiceID": invoice_id},
            "Account": {"Code": account},
            "Date": self.day(on).isoformat(),
            "Amount": Decimal(amount),
            "Reference": reference,
        }
        view, _ = payments.payment_create(data=self.data, element=element, now=self.moment(self.day(on)))
        return view["PaymentID"]

    def pay_in_full(self, invoice_id: str, *, on: int) -> str:
        due = self.data.invoices.get(invoice_id)["AmountDue"]  # type: ignore[index]
        return self.pay(invoice_id, due, on=on)

    def allocate(self, credit_note_id: str, invoice_id: str, amount: str, *, on: int) -> None:
        element = {"Invoice": {"InvoiceID": invoice_id}, "Amount": Decimal(amount), "Date": self.day(on).isoformat()}
        allocations.allocation_save(
            data=self.data, credit_note_id=credit_note_id, element=element, now=self.moment(self.day(on))
        )

    def quote(self, contact: str, *, on: int, status: str, amount: str, title: str, expires: int) -> str:
        element = {
            "Contact": {"ContactID": self.ids[contact]},
            "Date": self.day(on).isoformat(),
            "ExpiryDate": self.day(expires).isoformat(),
            "Status": "DRAFT" if status == "DRAFT" else "SENT",
            "Title": title,
            "Summary": f"{title} as discussed.",
            "LineItems": [
                {"Description": title, "Quantity": Decimal(1), "UnitAmount": Decimal(amount), "AccountCode": "200"}
            ],
        }
        view, _ = quotes.quote_save(data=self.data, element=element, now=self.moment(self.day(on)), create_only=True)
        if status not in ("DRAFT", "SENT"):
            quotes.quote_save(
                data=self.data,
                element={"Status": status},
                now=self.moment(self.day(on + 1)),
                create_only=False,
                quote_id=view["QuoteID"],
            )
        return view["QuoteID"]


def demo_tenant_data(*, which: str, tenant_id: str, organisation: dict, today: date) -> TenantData:
    """The demo organisation ``which`` ("uk" or "nz"), with documents dated relative to ``today``.

    The UK contacts deliberately match (or nearly match) the Capsync demo CRM. Ids are derived from ``which`` and
    ``tenant_id``, so a reset or restart of the sandbox reproduces the same GUIDs for the same ``today``.
    Raises ValueError for another ``which``.
    """
    data = _seeded_tenant(organisation=organisation, seed=f"demo/{which}/{tenant_id}")
    builder = _Builder(data=data, today=today)
    if which == "uk":
        for code in ("USD", "EUR"):
            data.enable_currency(code)
        _demo_uk(builder)
    elif which == "nz":
        for code in ("AUD", "USD"):
            data.enable_currency(code)
        _demo_nz(builder)
    else:
        raise ValueError(f"unknown demo organisation: {which!r}")
    data.make_id = new_id
    return data


def _seeded_tenant(*, organisation: dict, seed: str) -> TenantData:
    """An empty organisation whose new ids come from ``seed``, so a reseed reproduces the same GUIDs."""
    data = TenantData(organisation=organisation)
    rng = random.Random(seed)
    data.make_id = lambda: guid_from_bits(rng.getrandbits(128))
    data.accounts = default_accounts(data.make_id)
    return data


def _demo_uk(b: _Builder) -> None:
    b.contact(
        "acme",
        Name="Acme Widgets Ltd",
        EmailAddress="accounts@acme-widgets.example",
        ContactNumber="ACME-001",
        Phones=[{"PhoneType": "DEFAULT", "PhoneNumber": "020 7946 0101"}],
        Addresses=[
            {
                "AddressType": "POBOX",
                "AddressLine1": "1 Cog Street",
                "City": "London",
                "PostalCode": "EC1A 1AA",
                "Country": "United Kingdom",
            }
        ],
    )
    b.contact("bluebell", Name="Bluebell Bakery", EmailAddress="hello@bluebellbakery.example")
    b.contact("northwind", Name="Northwind Traders", EmailAddress="ap@northwind.example")
    b.contact("harbour", Name="Harbour Lights Hotel", EmailAddress="finance@harbourlights.example")
    b.contact(
        "priya", Name="Priya Shah", FirstName="Priya", LastName="Shah", EmailAddress="priya@shah-consulting.example"
    )
    b.contact("greenleaf", Name="Greenleaf Gardens (Billing)", EmailAddress="accounts@greenleaf.example")
    b.contact("okafor", Name="T. Okafor", EmailAddress="tunde@okafor.example")
    b.contact("copperfield", Name="Copperfield Books Limited")
    b.contact("smith", Name="Smith & Co", Phones=[{"PhoneType": "DEFAULT", "PhoneNumber": "020 7946 0000"}])
    b.contact("jordan", Name="Jordan Lee", FirstName="Jordan", LastName="Lee")
    b.contact("quayside", Name="Quayside Events LLP", EmailAddress="bookings@quayside-events.example")
    b.contact("marlow", Name="Marlow & Finch Architects", EmailAddress="studio@marlowfinch.example")
    b.contact("pending", Name="Pending Prospects Ltd", EmailAddress="hello@pendingprospects.example")
    b.contact("dormant", Name="Dormant Client Ltd")
    b.contact("paper", Name="Paper Supplies Direct", EmailAddress="sales@papersupplies.example")
    b.contact("cleaners", Name="Office Cleaners Ltd", EmailAddress="accounts@officecleaners.example")
    b.contact("old", Name="Old Customer Ltd", EmailAddress="finance@oldcustomer.example")
    b.contact("hostile", Name='<script>alert("x")</script> Ltd')

    # Acme Widgets Ltd, the hand-checkable contact: part-paid GBP invoice (two payments + a credit note),
    # an overdue USD invoice and an older paid one.
    a1 = b.invoice(
        "acme", on=-40, due=-10, amount="1200.00", description="Widget assembly, March batch", reference="PO-4471"
    )
    b.pay(a1, "300.00", on=-20, reference="BACS 1")
    b.pay(a1, "200.00", on=-5, reference="BACS 2")
    cn = b.invoice("acme", on=-8, amount="100.00", kind="ACCRECCREDIT", description="Damaged widgets returned")
    b.allocate(cn, a1, "120.00", on=-8)
    b.invoice(
        "acme",
        on=-75,
        due=-45,
        amount="2500.00",
        currency="USD",
        rate="1.27",
        line_amount_types="NoTax",
        description="Export order, US distributor",
    )
    a3 = b.invoice("acme", on=-100, due=-70, amount="640.00", description="Widget servicing")
    b.pay_in_full(a3, on=-72)
    b.quote("acme", on=-3, status="DRAFT", amount="5000.00", title="Widget line expansion", expires=27)

    b.invoice("bluebell", on=-5, due=25, amount="400.00", description="Shop fit-out consultancy")
    bb2 = b.invoice("bluebell", on=-60, due=-30, amount="150.00", description="Menu design")
    b.pay_in_full(bb2, on=-35)
    b.quote("bluebell", on=-6, status="SENT", amount="1800.00", title="Second shop fit-out", expires=24)
    # Bluebell's shop fit-out programme: won in the Capsync demo CRM as opportunity 9001 (capsync/demo.py) and billed
    # in six instalments whose invoice references name it (OPP-<opportunity>-<instalment>): three paid, one overdue,
    # one part-paid and one not yet invoiced.
    for position, due in ((1, -102), (2, -72), (3, -42)):
        paid = b.invoice(
            "bluebell", on=due - 30, due=due, amount="1000.00", line_amount_types="NoTax",
            description=f"Shop fit-out programme, instalment {position} of 6", reference=f"OPP-9001-{position}",
        )
        b.pay_in_full(paid, on=due - 2)
    b.invoice(
        "bluebell", on=-42, due=-12, amount="1000.00", line_amount_types="NoTax",
        description="Shop fit-out programme, instalment 4 of 6", reference="OPP-9001-4",
    )
    part = b.invoice(
        "bluebell", on=-12, due=18, amount="1000.00", line_amount_types="NoTax",
        description="Shop fit-out programme, instalment 5 of 6", reference="OPP-9001-5",
    )
    b.pay(part, "400.00", on=-3, reference="BACS")

    b.invoice("northwind", on=-33, due=-3, amount="2000.00", description="Logistics review")
    b.invoice("northwind", on=-2, status="DRAFT", amount="750.00", description="Follow-up workshop (draft)")
    gone = b.invoice("northwind", on=-50, status="DRAFT", amount="99.00", description="Raised in error")
    b.set_status(gone, "DELETED", on=-49)
    b.quote("northwind", on=-40, status="DECLINED", amount="12000.00", title="Warehouse automation", expires=-10)

    b.invoice("harbour", on=-30, due=0, amount="950.00", description="Conference room AV hire")
    h2 = b.invoice("harbour", on=-90, due=-60, amount="3000.00", description="Seasonal staffing")
    b.pay(h2, "1000.00", on=-58)
    b.pay(h2, "800.00", on=-40)
    b.pay(h2, "500.00", on=-15)

    b.invoice("priya", on=-10, due=20, amount="1500.00", description="Strategy sessions")
    p2 = b.invoice("priya", on=-120, due=-90, amount="1500.00", description="Strategy sessions (Q1)")
    b.pay_in_full(p2, on=-95)

    b.invoice("greenleaf", on=-51, due=-21, amount="320.00", description="Garden maintenance")
    o1 = b.invoice("okafor", on=-70, due=-40, amount="275.00", description="Portrait photography")
    b.pay_in_full(o1, on=-41)
    b.invoice("okafor", on=-4, due=26, amount="275.00", description="Event photography")

    c1 = b.invoice("copperfield", on=-37, due=-7, amount="860.00", description="Bookshop signage")
    ccn = b.invoice("copperfield", on=-6, amount="50.00", kind="ACCRECCREDIT", description="Signage discount")
    b.allocate(ccn, c1, "30.00", on=-6)

    s1 = b.invoice("smith", on=-200, due=-170, amount="1200.00", description="Bookkeeping catch-up")
    b.pay_in_full(s1, on=-175)
    b.invoice("jordan", on=-12, due=18, amount="480.00", description="Website copywriting")

    b.invoice(
        "quayside",
        on=-14,
        due=16,
        amount="3200.00",
        currency="EUR",
        rate="1.17",
        line_amount_types="NoTax",
        description="Harbourside gala (EUR)",
    )
    q2 = b.invoice("quayside", on=-45, due=-15, amount="900.00", description="Event staffing")
    b.pay_in_full(q2, on=-16)
    b.quote("quayside", on=-20, status="ACCEPTED", amount="4200.00", title="Summer festival staging", expires=10)

    m1 = b.invoice("marlow", on=-150, due=-120, amount="2200.00", description="Planning drawings")
    b.pay_in_full(m1, on=-118)
    b.invoice("marlow", on=-92, due=-62, amount="1750.00", description="Building regs package")

    b.invoice("pending", on=-3, status="DRAFT", amount="600.00", description="Trial engagement (draft)")
    b.invoice("pending", on=-9, due=21, status="SUBMITTED", amount="800.00", description="Discovery workshop")
    voided = b.invoice("pending", on=-25, due=5, amount="1000.00", description="Raised to wrong entity")
    b.set_status(voided, "VOIDED", on=-24)

    b.invoice(
        "paper",
        on=-20,
        due=10,
        amount="180.00",
        kind="ACCPAY",
        description="Printer paper, 40 reams",
        reference="PSD-9912",
    )
    pb = b.invoice(
        "paper", on=-50, due=-20, amount="95.00", kind="ACCPAY", description="Toner cartridges", reference="PSD-9800"
    )
    b.pay_in_full(pb, on=-22)
    b.invoice(
        "cleaners",
        on=-15,
        due=15,
        amount="420.00",
        kind="ACCPAY",
        description="Office cleaning, monthly",
        reference="OCL-311",
    )
    b.invoice("cleaners", on=-18, due=12, amount="250.00", description="Sublet meeting room")

    old = b.invoice("old", on=-400, due=-370, amount="500.00", description="Legacy support contract")
    b.pay_in_full(old, on=-372)
    contacts.contact_save(
        data=b.data,
        element={"ContactStatus": "ARCHIVED"},
        now=b.moment(b.day(-300)),
        create_only=False,
        contact_id=b.ids["old"],
    )

    b.invoice("hostile", on=-7, due=23, amount="66.60", description='<img src=x onerror=alert("y")>')


def _demo_nz(b: _Builder) -> None:
    b.contact("kiwi", Name="Kiwi Coffee Roasters", EmailAddress="orders@kiwicoffee.example")
    b.contact("acme", Name="Acme Widgets Ltd", EmailAddress="accounts@acme-widgets.example")
    b.contact("kowhai", Name="Kowhai Design Studio", EmailAddress="kia.ora@kowhaidesign.example")
    b.contact("packaging", Name="Southern Packaging Co", EmailAddress="accounts@southernpackaging.example")

    b.invoice("kiwi", on=-45, due=-15, amount="1850.00", description="Roastery process audit")
    k2 = b.invoice("kiwi", on=-80, due=-60, amount="640.00", description="Barista training")
    b.pay_in_full(k2, on=-62)
    b.invoice("acme", on=-10, due=20, amount="3400.00", description="NZ distribution set-up")
    b.invoice("kowhai", on=-6, due=24, amount="1200.00", description="Brand refresh")
    k3 = b.invoice(
        "kowhai",
        on=-30,
        due=-2,
        amount="900.00",
        currency="AUD",
        rate="0.92",
        line_amount_types="NoTax",
        description="Sydney pop-up design (AUD)",
    )
    b.pay_in_full(k3, on=-3)
    b.invoice(
        "packaging", on=-12, due=8, amount="560.00", kind="ACCPAY", description="Compostable cups", reference="SPC-207"
    )
    b.quote("kiwi", on=-2, status="SENT", amount="2600.00", title="Second roastery fit-out", expires=28)


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
    *, tenant_id: str, organisation: dict, contacts: int, invoices: int, seed: int = 42, today: date
) -> TenantData:
    """A reproducible random organisation for benchmarks (same arguments, same records and GUIDs).

    About 70 % of contacts are paying customers; invoices spread over the last three years with mixed statuses,
    payments (full and part) and some allocated credit notes; about one in ten documents is a supplier bill.
    """
    # The records are acyclic; pausing the cyclic GC while millions of dicts are created saves about a quarter of
    # the time (every gen-2 pass would otherwise walk everything built so far).
    # One collection at the end moves everything into the old generation now, so the first API call does not pay for
    # it; the collections are ordered for the same reason.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        data = _generate(
            organisation=organisation, tenant_id=tenant_id, contacts=contacts, invoices=invoices, seed=seed, today=today
        )
        data.make_id = new_id
        for collection in data.collections.values():
            collection.ordered()
    finally:
        if gc_was_enabled:
            gc.enable()
    gc.collect()
    return data


def _generate(
    *, organisation: dict, tenant_id: str, contacts: int, invoices: int, seed: int, today: date
) -> TenantData:
    rng = random.Random(seed)
    data = _seeded_tenant(organisation=organisation, seed=f"generate/{seed}/{tenant_id}")
    for collection in data.collections.values():
        collection.begin_bulk()
    for code in ("USD", "EUR"):
        data.enable_currency(code)
    builder = _Builder(data=data, today=today)
    contact_ids: list[str] = []
    for number in range(1, contacts + 1):
        name = f"{rng.choice(_WORDS_A)} {rng.choice(_WORDS_B)} {number:05d} {rng.choice(_SUFFIXES)}"
        fields: Record = {"Name": name, "ContactNumber": f"C{number:05d}"}
        if rng.random() < 0.85:
            fields["EmailAddress"] = f"accounts{number}@example-{number % 97}.example"
        contact_ids.append(builder.contact(f"c{number}", on=-1100 + rng.randrange(0, 60), **fields))
    if not contact_ids:
        return data
    paying = contact_ids[: max(1, int(len(contact_ids) * 0.7))]
    suppliers = contact_ids[int(len(contact_ids) * 0.9) :] or contact_ids[-1:]
    for _ in range(invoices):
        age = rng.randrange(0, 1095)
        supplier_bill = rng.random() < 0.1
        contact = rng.choice(suppliers if supplier_bill else paying)
        roll = rng.random()
        status = "AUTHORISED"
        if roll < 0.05:
            status = "DRAFT"
        elif roll < 0.08:
            status = "SUBMITTED"
        amount = f"{rng.randrange(50, 500_000) / 100:.2f}"
        currency = rate = None
        if rng.random() < 0.05:
            currency, rate = "USD", "1.27"
        invoice_id = builder.invoice(
            contact,
            on=-age,
            due=-age + rng.choice((7, 14, 30, 30, 60)),
            status=status,
            amount=amount,
            kind="ACCPAY" if supplier_bill else "ACCREC",
            currency=currency,
            rate=rate,
            quantity=str(rng.choice((1, 1, 1, 2, 5))),
            description=f"{rng.choice(_WORDS_B)} services",
        )
        if status != "AUTHORISED":
            continue
        outcome = rng.random()
        settled_on = min(-age + rng.randrange(1, 45), 0)
        if outcome < 0.03:
            builder.set_status(invoice_id, "VOIDED", on=min(-age + 1, 0))
        elif (age > 90 and outcome < 0.9) or (age <= 90 and outcome < 0.4):
            builder.pay_in_full(invoice_id, on=settled_on)
        elif outcome < 0.55:
            due = data.invoices.get(invoice_id)["AmountDue"]  # type: ignore[index]
            builder.pay(invoice_id, (due / 3).quantize(Decimal("0.01")), on=settled_on)
        elif outcome < 0.57 and not supplier_bill and not currency:
            due = data.invoices.get(invoice_id)["AmountDue"]  # type: ignore[index]
            credit_amount = (due / 5 / Decimal("1.2")).quantize(Decimal("0.01"))
            credit = builder.invoice(
                contact, on=settled_on, amount=str(credit_amount), kind="ACCRECCREDIT", description="Goodwill credit"
            )
            remaining = data.credit_notes.get(credit)["RemainingCredit"]  # type: ignore[index]
            builder.allocate(credit, invoice_id, str(min(remaining, due)), on=settled_on)
    return data
