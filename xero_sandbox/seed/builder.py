"""The seed builder: writes records into an organisation as the API would, dated relative to ``today``.

Records are built through the same write rules the API uses (totals, payments, allocations, statuses), so seeded
data is consistent with what the sandbox itself would produce. Every document is dated relative to ``today`` and
every ``UpdatedDateUTC`` lies before ``today``, so the sandbox clock is always later than any seeded change.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from xero_sandbox import defaults, msdate
from xero_sandbox.accounting import allocations, contacts, invoices, payments, quotes
from xero_sandbox.store import TenantData, guid_from_bits

Record = dict[str, Any]


@dataclass
class Builder:
    """Writes records through the API rules, stamping each change at a business moment before ``today``."""

    data: TenantData
    today: date
    tick: int = 0
    ids: dict[str, str] = field(default_factory=dict)
    # A generated organisation asks for these a few hundred thousand times, for about a thousand distinct days.
    _days: dict[int, date] = field(default_factory=dict, init=False, repr=False)
    _mornings: dict[date, datetime] = field(default_factory=dict, init=False, repr=False)

    def moment(self, day: date) -> datetime:
        """09:00 UTC on ``day`` plus a millisecond per change (keeps the order stable), capped at noon yesterday."""
        self.tick += 1
        morning = self._mornings.get(day)
        if morning is None:
            latest = datetime.combine(self.today - timedelta(days=1), time(12), tzinfo=UTC)
            morning = self._mornings[day] = min(datetime.combine(min(day, self.today), time(9), tzinfo=UTC), latest)
        return morning + timedelta(milliseconds=self.tick)

    def day(self, offset: int) -> date:
        found = self._days.get(offset)
        if found is None:
            found = self._days[offset] = self.today + timedelta(days=offset)
        return found

    def catalogue(self, spec: dict[str, Any], *, on: int = -400) -> None:
        """The organisation's catalogue: extra accounts, tracking categories, branding themes, items and payment
        terms (the shape of demo.json's ``catalogue``). Ids derive from the organisation's id and each code or
        name, so they do not draw on the seeded generator the documents' ids come from."""
        organisation_id = self.data.organisation.get("OrganisationID", "")
        updated = msdate.format_datetime(self.moment(self.day(on)))
        items = []
        for fields in spec.get("items", ()):
            item: Record = {
                "ItemID": defaults.stable_id(organisation_id, f"item/{fields['Code']}"),
                "Code": fields["Code"],
                "Name": fields.get("Name", fields["Code"]),
                "Description": fields.get("Description", ""),
                "IsSold": fields.get("IsSold", True),
                "IsPurchased": fields.get("IsPurchased", False),
                "IsTrackedAsInventory": fields.get("IsTrackedAsInventory", False),
                "UpdatedDateUTC": updated,
            }
            for name in ("SalesDetails", "PurchaseDetails"):
                details = dict(fields.get(name) or {})
                if "UnitPrice" in details:
                    details["UnitPrice"] = Decimal(details["UnitPrice"])
                item[name] = details
            for name in ("PurchaseDescription", "InventoryAssetAccountCode"):
                if name in fields:
                    item[name] = fields[name]
            for name in ("QuantityOnHand", "TotalCostPool"):
                if name in fields:
                    item[name] = Decimal(fields[name])
            items.append(item)
        body: Record = {
            "Accounts": [{**account, "UpdatedDateUTC": updated} for account in spec.get("accounts", ())],
            "TrackingCategories": list(spec.get("tracking_categories", ())),
            "BrandingThemes": [{"Name": name} for name in spec.get("branding_themes", ())],
            "Items": items,
        }
        if "payment_terms" in spec:
            body["Organisation"] = {"PaymentTerms": spec["payment_terms"]}
        self.data.load(body, now=self.moment(self.day(on)))

    def contact(self, key: str, *, on: int = -400, **fields: Any) -> str:
        view, _ = contacts.contact_save(data=self.data, element=fields, now=self.moment(self.day(on)), create_only=True)
        self.ids[key] = view["ContactID"]
        return view["ContactID"]

    def archive(self, key: str, *, on: int) -> None:
        contacts.contact_save(
            data=self.data,
            element={"ContactStatus": "ARCHIVED"},
            now=self.moment(self.day(on)),
            create_only=False,
            contact_id=self.ids[key],
        )

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
        record, _ = invoices.document_store(
            data=self.data, kind=kind_spec, element=element, now=self.moment(self.day(on)), create_only=True
        )
        return record[kind_spec.id_field]

    def set_status(self, invoice_id: str, status: str, *, on: int, collection: str = "Invoices") -> None:
        kind = invoices.kind_of(collection)
        invoices.document_store(
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

    def quote(
        self, contact: str, *, on: int, status: str, amount: str, title: str, expires: int, reference: str = ""
    ) -> str:
        element = {
            "Contact": {"ContactID": self.ids[contact]},
            "Reference": reference,
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


def seeded_tenant(*, organisation: dict, seed: str) -> TenantData:
    """An empty organisation whose new ids come from ``seed``, so a reseed reproduces the same GUIDs."""
    data = TenantData(organisation=organisation)
    rng = random.Random(seed)
    data.make_id = lambda: guid_from_bits(rng.getrandbits(128))
    return data
