"""The accounting records of one sandbox organisation, kept as Xero-shaped JSON dicts.

Records are stored exactly as Xero would return them (PascalCase keys, ``/Date()/`` strings, Decimal amounts), so a
body loaded through ``/_sandbox/load`` comes back verbatim. Records are never mutated in place once stored: a write
replaces the whole dict (and any nested list it changes), so a shallow copy is a safe snapshot for a response.

Each collection keeps its ids sorted by ``(UpdatedDateUTC ms, id)``: that is the default list order, and it makes an
``If-Modified-Since`` query a binary search.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xero_sandbox import defaults, msdate
from xero_sandbox.collection import Collection

ID_FIELDS = {
    "Contacts": "ContactID",
    "Items": "ItemID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Payments": "PaymentID",
    "Quotes": "QuoteID",
}
_EVENT_CATEGORIES = {"Contacts": "CONTACT", "Invoices": "INVOICE", "CreditNotes": "CREDITNOTE"}
_NUMBER_PREFIXES = {"Invoices": "INV-", "CreditNotes": "CN-", "Quotes": "QU-"}
_NUMBER_FIELDS = {"Invoices": "InvoiceNumber", "CreditNotes": "CreditNoteNumber", "Quotes": "QuoteNumber"}

CURRENCY_NAMES = {
    "GBP": "British Pound",
    "USD": "United States Dollar",
    "EUR": "Euro",
    "NZD": "New Zealand Dollar",
    "AUD": "Australian Dollar",
    "CAD": "Canadian Dollar",
    "ZAR": "South African Rand",
    "SGD": "Singapore Dollar",
    "JPY": "Japanese Yen",
    "CHF": "Swiss Franc",
}


@dataclass(frozen=True)
class Event:
    """One webhook-worthy change (infra turns it into a webhook event with the full resourceUrl)."""

    category: str  # "CONTACT" | "INVOICE" | "CREDITNOTE"
    event_type: str  # "CREATE" | "UPDATE"
    resource_id: str
    resource_url_path: str  # e.g. "Contacts/<id>"


def guid_from_bits(bits: int) -> str:
    """A lower-case version 4 GUID built from 128 random bits (version and variant bits are overwritten)."""
    digits = f"{bits & (2**128 - 1):032x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def new_id() -> str:
    """A fresh lower-case random (version 4) GUID, as Xero issues them."""
    return guid_from_bits(int.from_bytes(os.urandom(16)))


def name_key(name: str) -> str:
    """The form in which contact names are compared for uniqueness (case- and outer-space-insensitive)."""
    return name.strip().casefold()


def _msdate_time(value: object, *, default: str) -> str:
    """A loaded UpdatedDateUTC in /Date()/ form; ISO strings are converted, anything unusable becomes ``default``."""
    if isinstance(value, str) and value.startswith("/Date("):
        return value
    if isinstance(value, str) and value:
        try:
            return msdate.format_datetime(msdate.parse_if_modified_since(value))
        except ValueError:
            return default
    return default


class TenantData:
    """All accounting records of one organisation, kept as Xero-shaped JSON dicts (PascalCase, /Date()/ strings)
    so loaded bodies come back verbatim."""

    def __init__(self, *, organisation: dict) -> None:
        self.organisation = organisation
        # Where new GUIDs come from; the seeds swap in a seeded generator so restarts reproduce the same ids.
        self.make_id: Callable[[], str] = new_id
        base = organisation.get("BaseCurrency", "GBP")
        self.currencies: list[dict[str, str]] = [{"Code": base, "Description": CURRENCY_NAMES.get(base, base)}]
        # The catalogue invoicing draws on (accounting/catalogue.py serves it): chart of accounts, tax rates,
        # tracking categories and branding themes. Items are a collection (they have UpdatedDateUTC and writes).
        self.accounts: list[dict[str, Any]] = defaults.accounts(organisation)
        self.tax_rates: list[dict[str, Any]] = defaults.tax_rates(organisation.get("CountryCode", ""))
        self.tracking_categories: list[dict[str, Any]] = []
        self.branding_themes: list[dict[str, Any]] = defaults.branding_themes(organisation)
        self.item_codes: dict[str, str] = {}
        self.collections = {name: Collection(id_field) for name, id_field in ID_FIELDS.items()}
        self.counters = dict.fromkeys(_NUMBER_PREFIXES, 0)
        self.active_contact_names: dict[str, str] = {}
        # Archived contacts keep their names: a write that takes one is refused (accounting/contacts.py).
        self.archived_contact_names: dict[str, str] = {}
        self.contact_numbers: dict[str, str] = {}
        self.invoice_numbers: dict[str, str] = {}
        self.credit_note_numbers: dict[str, str] = {}
        self.documents_by_contact: dict[str, set[str]] = {}
        # (method, path, key) -> {"expires_ms", "digest", "status", "body", "headers"}
        self.idempotency: dict[str, dict[str, Any]] = {}

    # -- convenience accessors -------------------------------------------------------------------------------------

    @property
    def contacts(self) -> Collection:
        return self.collections["Contacts"]

    @property
    def invoices(self) -> Collection:
        return self.collections["Invoices"]

    @property
    def credit_notes(self) -> Collection:
        return self.collections["CreditNotes"]

    @property
    def payments(self) -> Collection:
        return self.collections["Payments"]

    @property
    def quotes(self) -> Collection:
        return self.collections["Quotes"]

    @property
    def items(self) -> Collection:
        return self.collections["Items"]

    @property
    def timezone(self) -> str:
        return self.organisation.get("Timezone", "UTC")

    @property
    def base_currency(self) -> str:
        return self.organisation.get("BaseCurrency", "GBP")

    def currency_enabled(self, code: str) -> bool:
        """Whether the organisation has this currency switched on."""
        return any(currency["Code"] == code for currency in self.currencies)

    def enable_currency(self, code: str) -> dict[str, str]:
        """Switch a currency on (idempotent) and return its record."""
        for currency in self.currencies:
            if currency["Code"] == code:
                return currency
        currency = {"Code": code, "Description": CURRENCY_NAMES.get(code, code)}
        self.currencies.append(currency)
        return currency

    def find_account(self, *, account_id: str | None, code: str | None) -> dict[str, Any] | None:
        """The account with this id or code, or None."""
        for account in self.accounts:
            if account_id and account["AccountID"].lower() == account_id.lower():
                return account
            if code and account["Code"] == code:
                return account
        return None

    def find_item(self, ref: str) -> dict[str, Any] | None:
        """An item by ItemID or Code."""
        if not isinstance(ref, str):
            return None
        record = self.items.get(ref)
        if record is None and ref in self.item_codes:
            record = self.items.get(self.item_codes[ref])
        return record

    def find_tax_rate(self, tax_type: str) -> dict[str, Any] | None:
        """The organisation's tax rate of this TaxType (any status), or None."""
        for rate in self.tax_rates:
            if rate.get("TaxType") == tax_type:
                return rate
        return None

    def find_contact(self, ref: str) -> dict[str, Any] | None:
        """A contact by ContactID or ContactNumber."""
        if not isinstance(ref, str):
            return None
        record = self.contacts.get(ref)
        if record is None and ref in self.contact_numbers:
            record = self.contacts.get(self.contact_numbers[ref])
        return record

    def find_invoice(self, ref: str) -> dict[str, Any] | None:
        """An invoice by InvoiceID or InvoiceNumber."""
        if not isinstance(ref, str):
            return None
        record = self.invoices.get(ref)
        if record is None and ref in self.invoice_numbers:
            record = self.invoices.get(self.invoice_numbers[ref])
        return record

    def find_credit_note(self, ref: str) -> dict[str, Any] | None:
        """A credit note by CreditNoteID or CreditNoteNumber."""
        if not isinstance(ref, str):
            return None
        record = self.credit_notes.get(ref)
        if record is None and ref in self.credit_note_numbers:
            record = self.credit_notes.get(self.credit_note_numbers[ref])
        return record

    def next_number(self, collection: str) -> str:
        """The next automatic document number ("INV-0001", "CN-0001", "QU-0001")."""
        self.counters[collection] += 1
        return f"{_NUMBER_PREFIXES[collection]}{self.counters[collection]:04d}"

    # -- writes ----------------------------------------------------------------------------------------------------

    def save(self, collection: str, record: dict[str, Any]) -> None:
        """Store a record and keep every secondary index in step."""
        coll = self.collections[collection]
        # Exactly the record put() replaces (Collection.get would also match another spelling of the id, which
        # stays stored under its own).
        old = coll.records.get(record[coll.id_field])
        coll.put(record)
        self._index(collection, record, old)

    def _index(self, collection: str, record: dict[str, Any], old: dict[str, Any] | None) -> None:
        if collection == "Contacts":
            contact_id = record["ContactID"]
            if old is not None and old.get("Name"):
                key = name_key(old["Name"])
                for index in (self.active_contact_names, self.archived_contact_names):
                    if index.get(key) == contact_id:
                        del index[key]
            status = record.get("ContactStatus", "ACTIVE")
            if record.get("Name") and status == "ACTIVE":
                self.active_contact_names[name_key(record["Name"])] = contact_id
            elif record.get("Name") and status == "ARCHIVED":
                self.archived_contact_names.setdefault(name_key(record["Name"]), contact_id)
            if record.get("ContactNumber"):
                self.contact_numbers[record["ContactNumber"]] = contact_id
            return
        if collection == "Items":
            if old is not None and self.item_codes.get(old.get("Code", "")) == record["ItemID"]:
                del self.item_codes[old["Code"]]
            if record.get("Code"):
                self.item_codes[record["Code"]] = record["ItemID"]
            return
        number_field = _NUMBER_FIELDS.get(collection)
        if number_field and record.get(number_field):
            self._bump_counter(collection, record[number_field])
            if collection == "Invoices":
                self.invoice_numbers[record[number_field]] = record["InvoiceID"]
            elif collection == "CreditNotes":
                self.credit_note_numbers[record[number_field]] = record["CreditNoteID"]
        if collection in ("Invoices", "CreditNotes"):
            contact_id = (record.get("Contact") or {}).get("ContactID")
            if contact_id:
                self.documents_by_contact.setdefault(contact_id, set()).add(record[ID_FIELDS[collection]])

    def _bump_counter(self, collection: str, number: str) -> None:
        prefix = _NUMBER_PREFIXES[collection]
        if number.startswith(prefix) and number[len(prefix) :].isdigit():
            self.counters[collection] = max(self.counters[collection], int(number[len(prefix) :]))

    def load(self, body: dict, *, now: datetime) -> list[Event]:
        """Store records verbatim (filling only missing ids and UpdatedDateUTC); return one event per change.

        ``body`` is shaped like a Xero response, e.g. ``{"Contacts": [...], "Invoices": [...]}``.
        """
        events: list[Event] = []
        stamp = msdate.format_datetime(now)
        self.organisation = defaults.merge_catalogue(
            organisation=self.organisation,
            accounts=self.accounts,
            tax_rates=self.tax_rates,
            tracking_categories=self.tracking_categories,
            branding_themes=self.branding_themes,
            body=body,
        )
        for collection in ("Contacts", "Items", "Invoices", "CreditNotes", "Payments", "Quotes"):
            id_field = ID_FIELDS[collection]
            for element in body.get(collection) or []:
                record = dict(element)
                record_id = record.get(id_field) or self.make_id()
                record[id_field] = record_id
                record["UpdatedDateUTC"] = _msdate_time(record.get("UpdatedDateUTC"), default=stamp)
                existed = self.collections[collection].get(record_id) is not None
                self.save(collection, record)
                if collection in _EVENT_CATEGORIES:
                    events.append(
                        Event(
                            category=_EVENT_CATEGORIES[collection],
                            event_type="UPDATE" if existed else "CREATE",
                            resource_id=record_id,
                            resource_url_path=f"{collection}/{record_id}",
                        )
                    )
        for currency in body.get("Currencies") or []:
            self.enable_currency(currency["Code"])
        return events

    # -- persistence -----------------------------------------------------------------------------------------------

    def to_json(self) -> dict:
        """Everything needed to rebuild this organisation (Decimals included: serialise with jsonutil).

        The containers are fresh copies and stored records are never mutated in place, so the snapshot may be
        serialised after the tenant lock is released.
        """
        return {
            "Organisation": dict(self.organisation),
            "Currencies": list(self.currencies),
            "Accounts": list(self.accounts),
            "TaxRates": list(self.tax_rates),
            "TrackingCategories": list(self.tracking_categories),
            "BrandingThemes": list(self.branding_themes),
            "Counters": dict(self.counters),
            "Idempotency": dict(self.idempotency),
            **{name: coll.ordered() for name, coll in self.collections.items()},
        }

    def clone(self, *, organisation: dict, contact_suffix: str = "") -> "TenantData":
        """Another organisation holding the same records, built in milliseconds: the benchmark's many organisations
        (``--organisations N``) are one generated organisation cloned N times instead of N generations.

        Only the containers are copied. The record dicts are shared, which is safe because a write replaces a
        record rather than changing it (this module's rule), so a change in one clone never shows in another.
        With ``contact_suffix`` its contacts are its own people: each name gets the suffix and each email
        address a ``+suffix`` tag (new contact dicts; the documents keep their ContactIDs).
        """
        twin = TenantData(organisation=organisation)
        twin.make_id = new_id  # new records get fresh GUIDs, not the next ones of the original's seeded sequence
        twin.currencies = [dict(currency) for currency in self.currencies]
        twin.accounts = [dict(account) for account in self.accounts]
        # The clones share the serialised records too (collection.Fragments answers only for the very dict it was
        # made from), so 100 organisations do not each keep their own copy of the same JSON; renamed contacts are
        # each clone's own records, so sharing theirs would only have the clones overwrite each other's.
        twin.collections = {
            name: coll.copy(share_fragments=not (contact_suffix and name == "Contacts"))
            for name, coll in self.collections.items()
        }
        twin.counters = dict(self.counters)
        twin.active_contact_names = dict(self.active_contact_names)
        twin.archived_contact_names = dict(self.archived_contact_names)
        twin.contact_numbers = dict(self.contact_numbers)
        twin.invoice_numbers = dict(self.invoice_numbers)
        twin.credit_note_numbers = dict(self.credit_note_numbers)
        twin.documents_by_contact = {key: set(ids) for key, ids in self.documents_by_contact.items()}
        if contact_suffix:
            for contact in list(twin.contacts.records.values()):
                renamed = {**contact, "Name": f"{contact['Name']} {contact_suffix}"}
                if email := contact.get("EmailAddress"):
                    local, _, domain = email.partition("@")
                    renamed["EmailAddress"] = f"{local}+{contact_suffix}@{domain}"
                twin.save("Contacts", renamed)
        return twin

    @classmethod
    def from_json(cls, data: dict) -> "TenantData":
        """The inverse of ``to_json``."""
        tenant = cls(organisation=data["Organisation"])
        tenant.currencies = list(data.get("Currencies") or tenant.currencies)
        tenant.accounts = list(data.get("Accounts") or tenant.accounts)
        tenant.tax_rates = list(data.get("TaxRates") or tenant.tax_rates)
        tenant.tracking_categories = list(data.get("TrackingCategories") or [])
        tenant.branding_themes = list(data.get("BrandingThemes") or tenant.branding_themes)
        tenant.idempotency = dict(data.get("Idempotency") or {})
        for name in ID_FIELDS:
            tenant.collections[name].begin_bulk()
            for record in data.get(name) or []:
                tenant.save(name, record)
        for name, value in (data.get("Counters") or {}).items():
            tenant.counters[name] = max(tenant.counters.get(name, 0), int(value))
        return tenant
