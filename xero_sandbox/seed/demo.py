"""The demo organisations (--seed demo): the records in demo.json, played through the builder in order.

The data sets a client's work out: near-duplicate and look-alike contacts, every invoice status, part payments,
credit notes, foreign currencies, supplier bills, quotes in each state, an archived contact and a hostile name; and
the catalogue invoices are built from (items, revenue accounts with an archived one, tracking categories with
archived options, branding themes, payment terms).
"""

import json
from datetime import date
from importlib import resources
from typing import Any

from xero_sandbox.seed.builder import Builder, seeded_tenant
from xero_sandbox.store import TenantData, new_id

# Keys of an invoice entry that are not the builder's keyword arguments.
_NOT_INVOICE_FIELDS = (
    "kind",
    "key",
    "note",
    "contact",
    "type",
    "payments",
    "paid_in_full_on",
    "allocate",
    "then_status",
)


def demo_data() -> dict[str, Any]:
    """demo.json, freshly read: the builder may keep (and the API later change) the lists it is given."""
    return json.loads(resources.files(__package__).joinpath("demo.json").read_text(encoding="utf-8"))


def demo_tenant_data(*, which: str, tenant_id: str, organisation: dict, today: date) -> TenantData:
    """The demo organisation ``which`` ("uk" or "nz"), with documents dated relative to ``today``.

    Ids are derived from ``which`` and ``tenant_id``, so a reset or restart of the sandbox reproduces the same GUIDs
    for the same ``today``. Raises ValueError for another ``which``.
    """
    if which not in ("uk", "nz"):
        raise ValueError(f"unknown demo organisation: {which!r}")
    spec = demo_data()[which]
    data = seeded_tenant(organisation=organisation, seed=f"demo/{which}/{tenant_id}")
    for code in spec["currencies"]:
        data.enable_currency(code)
    builder = Builder(data=data, today=today)
    builder.catalogue(spec["catalogue"])
    _play(builder, spec)
    data.make_id = new_id
    return data


def _play(builder: Builder, spec: dict[str, Any]) -> None:
    for contact in spec["contacts"]:
        builder.contact(contact["key"], **{k: v for k, v in contact.items() if k != "key"})
    invoice_ids: dict[str, str] = {}
    for entry in spec["documents"]:
        kind = entry.get("kind", "invoice")
        if kind == "quote":
            builder.quote(
                entry["contact"],
                on=entry["on"],
                status=entry["status"],
                amount=entry["amount"],
                title=entry["title"],
                expires=entry["expires"],
            )
        elif kind == "archive":
            builder.archive(entry["contact"], on=entry["on"])
        elif kind == "invoice":
            invoice_id = _invoice(builder, entry, invoice_ids)
            if "key" in entry:
                invoice_ids[entry["key"]] = invoice_id
        else:
            raise ValueError(f"unknown demo document kind: {kind!r}")


def _invoice(builder: Builder, entry: dict[str, Any], invoice_ids: dict[str, str]) -> str:
    """Create one invoice, bill or credit note, then its payments, allocation or status change."""
    fields = {k: v for k, v in entry.items() if k not in _NOT_INVOICE_FIELDS}
    invoice_id = builder.invoice(entry["contact"], kind=entry.get("type", "ACCREC"), **fields)
    for payment in entry.get("payments", ()):
        builder.pay(invoice_id, payment["amount"], on=payment["on"], reference=payment.get("reference", ""))
    if "paid_in_full_on" in entry:
        builder.pay_in_full(invoice_id, on=entry["paid_in_full_on"])
    if allocation := entry.get("allocate"):
        builder.allocate(invoice_id, invoice_ids[allocation["invoice"]], allocation["amount"], on=allocation["on"])
    if change := entry.get("then_status"):
        builder.set_status(invoice_id, change["status"], on=change["on"])
    return invoice_id
