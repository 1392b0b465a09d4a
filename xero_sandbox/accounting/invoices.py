"""/Invoices and /CreditNotes (the two behave alike), plus /CreditNotes/{id}/Allocations.

Longer than 400 lines because invoices and credit notes share one save path (`document_save`), which checks an
element in the order Xero reports its errors and reads best whole; the two kinds' writable fields take one line each.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xero_sandbox import jsonutil, msdate
from xero_sandbox.accounting import contacts, lines, listing, writes
from xero_sandbox.accounting.results import ApiResult, ElementInvalid, money, not_found, ok, to_decimal
from xero_sandbox.store import Event, TenantData

Record = dict[str, Any]

# Rates of 1 unit of base currency in a foreign currency, used when a foreign document names no CurrencyRate.
DEFAULT_RATES = {
    ("GBP", "USD"): Decimal("1.27"),
    ("GBP", "EUR"): Decimal("1.17"),
    ("GBP", "AUD"): Decimal("1.93"),
    ("GBP", "NZD"): Decimal("2.10"),
    ("NZD", "AUD"): Decimal("0.92"),
    ("NZD", "USD"): Decimal("0.60"),
    ("NZD", "GBP"): Decimal("0.48"),
    ("NZD", "EUR"): Decimal("0.56"),
}


@dataclass(frozen=True)
class Kind:
    """What differs between invoices and credit notes."""

    collection: str
    id_field: str
    number_field: str
    types: tuple[str, ...]
    auto_number_type: str
    category: str
    label: str
    writable: frozenset[str]


INVOICE = Kind(
    collection="Invoices",
    id_field="InvoiceID",
    number_field="InvoiceNumber",
    types=("ACCREC", "ACCPAY"),
    auto_number_type="ACCREC",
    category="INVOICE",
    label="Invoice",
    writable=frozenset(
        {
            "Type",
            "Contact",
            "LineItems",
            "Date",
            "DueDate",
            "LineAmountTypes",
            "InvoiceNumber",
            "Reference",
            "BrandingThemeID",
            "Url",
            "CurrencyCode",
            "CurrencyRate",
            "Status",
            "SentToContact",
            "ExpectedPaymentDate",
            "PlannedPaymentDate",
        }
    ),
)
CREDIT_NOTE = Kind(
    collection="CreditNotes",
    id_field="CreditNoteID",
    number_field="CreditNoteNumber",
    types=("ACCRECCREDIT", "ACCPAYCREDIT"),
    auto_number_type="ACCRECCREDIT",
    category="CREDITNOTE",
    label="Credit Note",
    writable=frozenset(
        {
            "Type",
            "Contact",
            "LineItems",
            "Date",
            "DueDate",
            "LineAmountTypes",
            "CreditNoteNumber",
            "Reference",
            "BrandingThemeID",
            "CurrencyCode",
            "CurrencyRate",
            "Status",
            "SentToContact",
        }
    ),
)
_SUMMARY_DROPPED = ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments", "Allocations")
_TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
_DATE_FIELDS = ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate")


def kind_of(collection: str) -> Kind:
    """INVOICE or CREDIT_NOTE by collection name."""
    return INVOICE if collection == "Invoices" else CREDIT_NOTE


def render(
    *, data: TenantData, record: Record, with_lines: bool = True, summary: bool = False, unit_dp: int = 4
) -> Record:
    """The document as Xero returns it; the embedded contact reflects the contact's current name.

    Unit amounts are shown to 2 dp unless the caller asked for ``unitdp=4``.
    """
    view = _shaped(record, with_lines=with_lines, summary=summary, unit_dp=unit_dp)
    contact = data.contacts.get((record.get("Contact") or {}).get("ContactID", ""))
    if contact is not None:
        view["Contact"] = contacts.contact_summary(contact)
    return view


def _shaped(record: Record, *, with_lines: bool, summary: bool, unit_dp: int) -> Record:
    """The document's own fields as a response shows them (render() adds the live contact)."""
    view = dict(record)
    if summary:
        for name in _SUMMARY_DROPPED:
            view.pop(name, None)
    elif not with_lines:
        view["LineItems"] = []
    elif unit_dp < 4 and view.get("LineItems"):
        view["LineItems"] = [_unit_amount_2dp(line) for line in view["LineItems"]]
    return view


# Markers in the JSON of a batch of documents written at once: where each document's contact goes, and where one
# document ends. JSON escapes their control characters, so only a string of exactly that text could be mistaken.
_CONTACT_SLOT = "\x00contact\x00"
_RECORD_END = "\x00record\x00"
_CONTACT_SLOT_JSON = '"\\u0000contact\\u0000"'
_RECORD_END_JSON = ',"\\u0000record\\u0000",'


def render_json(
    *, data: TenantData, collection: str, records: list[Record], with_lines: bool, summary: bool, unit_dp: int
) -> jsonutil.Raw:
    """The JSON array of these documents exactly as ``render`` would show them, written once per stored record.

    Each record's JSON is kept (collection.Fragments) with a slot for its contact, which is filled from the
    contact's current record on every request, so renaming a contact shows in every document without a rewrite.
    The records not kept yet are written together, in one pass of the JSON writer.
    """
    fragments = data.collections[collection].fragments
    id_field = kind_of(collection).id_field
    variant = (with_lines, summary, unit_dp < 4)
    kept = [fragments.get(record[id_field], record, variant) for record in records]
    missing = [record for record, parts in zip(records, kept, strict=True) if parts is None]
    if missing:
        written = iter(_write_documents(missing, with_lines=with_lines, summary=summary, unit_dp=unit_dp))
        for position, parts in enumerate(kept):
            if parts is None:
                record = records[position]
                kept[position] = parts = next(written)
                fragments.put(record[id_field], record, variant, parts)
    texts = []
    for record, parts in zip(records, kept, strict=True):
        assert parts is not None
        if len(parts) == 1:
            texts.append(parts[0])
            continue
        stored = record.get("Contact")
        contact = data.contacts.get((stored or {}).get("ContactID", ""))
        shown = jsonutil.dumps_text(stored) if contact is None else _contact_json(data, contact)
        texts.append(f"{parts[0]}{shown}{parts[1]}")
    return jsonutil.Raw(f"[{','.join(texts)}]")


def _write_documents(records: list[Record], *, with_lines: bool, summary: bool, unit_dp: int) -> list[tuple[str, ...]]:
    """Each document's JSON without its contact, split at the contact's place (one part when it has none)."""
    views = [_shaped(record, with_lines=with_lines, summary=summary, unit_dp=unit_dp) for record in records]
    batch: list[Any] = []
    for view in views:
        batch += [{**view, "Contact": _CONTACT_SLOT} if "Contact" in view else view, _RECORD_END]
    text = jsonutil.dumps_text(batch[:-1])
    written = [tuple(document.split(_CONTACT_SLOT_JSON)) for document in text[1:-1].split(_RECORD_END_JSON)]
    expected = [2 if "Contact" in view else 1 for view in views]
    if [len(parts) for parts in written] == expected:
        return written
    # A document holding one of the markers as a string of its own: write each alone, with a slot that cannot
    # occur in the writer's output (a raw control character).
    alone = []
    for view in views:
        if "Contact" in view:
            view["Contact"] = jsonutil.Raw(_CONTACT_SLOT)
        alone.append(tuple(jsonutil.dumps_text(view).split(_CONTACT_SLOT)))
    return alone


def _contact_json(data: TenantData, contact: Record) -> str:
    """The contact as embedded in documents, as JSON (kept with the contact's record)."""
    contact_id = contact["ContactID"]
    parts = data.contacts.fragments.get(contact_id, contact, "summary")
    if parts is None:
        parts = (jsonutil.dumps_text(contacts.contact_summary(contact)),)
        data.contacts.fragments.put(contact_id, contact, "summary", parts)
    return parts[0]


def _unit_amount_2dp(line: Record) -> Record:
    unit = line.get("UnitAmount")
    if isinstance(unit, Decimal) and unit.as_tuple().exponent < -2:  # type: ignore[operator]
        return {**line, "UnitAmount": money(unit)}
    return line


def list_documents(
    *, data: TenantData, collection: str, query: dict[str, list[str]], headers: dict[str, str]
) -> ApiResult:
    """GET /Invoices or GET /CreditNotes."""
    kind = kind_of(collection)
    filters = []
    if kind is INVOICE:
        wanted = listing.query_ids(query, "IDs")
        if wanted is not None:
            filters.append(lambda record: record["InvoiceID"].lower() in wanted)
        numbers = listing.query_list(query, "InvoiceNumbers")
        if numbers is not None:
            wanted_numbers = set(numbers)
            filters.append(lambda record: record.get("InvoiceNumber") in wanted_numbers)
        wanted_contacts = listing.query_ids(query, "ContactIDs")
        if wanted_contacts is not None:
            filters.append(lambda record: (record.get("Contact") or {}).get("ContactID", "").lower() in wanted_contacts)
        statuses = listing.query_list(query, "Statuses")
        if statuses is not None:
            wanted_statuses = {value.upper() for value in statuses}
            filters.append(lambda record: record.get("Status") in wanted_statuses)
        term = listing.query_value(query, "searchTerm")
        if term:
            needle = term.casefold()
            filters.append(
                lambda record: (
                    needle in str(record.get("InvoiceNumber") or "").casefold()
                    or needle in str(record.get("Reference") or "").casefold()
                )
            )
    page = listing.select(
        collection=data.collections[collection], query=query, headers=headers, filters=filters, page_size_allowed=True
    )
    summary = bool(listing.query_bool(query, "summaryOnly"))
    unit_dp = listing.query_int(query, "unitdp") or 2
    with_lines = page.paged  # docs: "page=1 - ... with line items shown"; without page there are none
    body: Record = {
        collection: render_json(
            data=data,
            collection=collection,
            records=page.records,
            with_lines=with_lines,
            summary=summary,
            unit_dp=unit_dp,
        )
    }
    if page.pagination is not None:
        body = {"pagination": page.pagination, **body}
    return ok(body)


def get_document(*, data: TenantData, collection: str, ref: str, unit_dp: int = 2) -> ApiResult:
    """GET /Invoices/{InvoiceID or InvoiceNumber}, GET /CreditNotes/{CreditNoteID or CreditNoteNumber}."""
    record = find_document(data, collection, ref)
    if record is None:
        return not_found()
    return ok({collection: [render(data=data, record=record, unit_dp=unit_dp)]})


def find_document(data: TenantData, collection: str, ref: str) -> Record | None:
    """An invoice or credit note by id or number, or None."""
    if collection == "Invoices":
        return data.find_invoice(ref)
    return data.find_credit_note(ref)


def _currency_rate(*, data: TenantData, currency: str, given: Any) -> Decimal:
    if given is not None:
        rate = to_decimal(given, field_name="CurrencyRate")
        if rate <= 0:
            raise ElementInvalid(["CurrencyRate must be greater than zero."])
        return rate
    if currency == data.base_currency:
        return Decimal("1.000000")
    return DEFAULT_RATES.get((data.base_currency, currency), Decimal("1.000000"))


def document_save(
    *,
    data: TenantData,
    kind: Kind,
    element: Record,
    now: datetime,
    create_only: bool,
    document_id: str | None = None,
    unit_dp: int = 2,
) -> tuple[Record, list[Event]]:
    """Create or update one invoice or credit note and return it as the response shows it (``render``).
    Raises ElementInvalid (nothing saved) on a broken rule."""
    record, events = document_store(
        data=data,
        kind=kind,
        element=element,
        now=now,
        create_only=create_only,
        document_id=document_id,
        unit_dp=unit_dp,
    )
    return render(data=data, record=record, unit_dp=unit_dp), events


def document_store(
    *,
    data: TenantData,
    kind: Kind,
    element: Record,
    now: datetime,
    create_only: bool,
    document_id: str | None = None,
    unit_dp: int = 2,
) -> tuple[Record, list[Event]]:
    """Create or update one invoice or credit note and return the stored record (never to be changed: store.py).
    Raises ElementInvalid (nothing saved) on a broken rule."""
    writes.require_shapes(
        element,
        strings=(kind.id_field, kind.number_field, "Type", "Status", "LineAmountTypes", "CurrencyCode", "Reference"),
        objects=("Contact",),
        lists=("LineItems",),
    )
    ref = document_id or element.get(kind.id_field)
    existing = data.collections[kind.collection].get(ref) if ref else None
    if ref and existing is None:
        raise ElementInvalid([f"{kind.label} with ID {ref} could not be found."])
    if existing is not None and create_only:
        raise ElementInvalid([f"A {kind.label.lower()} with this {kind.id_field} already exists; use POST to update."])
    errors: list[str] = []
    merged: Record = dict(existing) if existing else {}
    for key, value in element.items():
        if key in kind.writable:
            merged[key] = value
    old_status = existing.get("Status", "DRAFT") if existing else None
    status = merged.get("Status") or "DRAFT"
    if existing is None and status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        raise ElementInvalid([f"{kind.label} not of valid status for creation"])
    if old_status is not None:
        allowed = _TRANSITIONS.get(old_status, set())
        if status not in allowed:
            raise ElementInvalid([f"{kind.label} not of valid status for modification"])
    settled = existing is not None and (
        Decimal(str(existing.get("AmountPaid", 0))) > 0
        or Decimal(str(existing.get("AmountCredited", 0))) > 0
        or bool(existing.get("Allocations"))
        or bool(existing.get("Payments"))
    )
    if settled and status == "VOIDED":
        raise ElementInvalid(["Payments or credit notes must be removed before the document can be voided."])
    if settled and any(
        name in element for name in ("LineItems", "Contact", "CurrencyCode", "CurrencyRate", "LineAmountTypes")
    ):
        raise ElementInvalid(["This document cannot be edited as it has a payment or credit note allocated to it."])
    if settled and _changes_date(element, existing):
        raise ElementInvalid(
            [f"Date cannot be changed on {kind.label.lower()} that has payment or credit notes allocated to it."]
        )

    doc_type = merged.get("Type")
    if doc_type not in kind.types:
        errors.append(f"{kind.label} Type must be one of {', '.join(kind.types)}.")
    events: list[Event] = []
    contact_ref = merged.get("Contact")
    contact: Record | None = None
    if not isinstance(contact_ref, dict):
        errors.append("A Contact must be specified for this type of transaction")
    line_items = merged.get("LineItems") or []
    if status in ("SUBMITTED", "AUTHORISED") and not line_items:
        errors.append(f"{kind.label}s must have at least one line item.")
    line_amount_types = merged.get("LineAmountTypes") or "Exclusive"
    if line_amount_types not in lines.INVOICE_LINE_AMOUNT_TYPES:
        errors.append("LineAmountTypes must be one of Exclusive, Inclusive, NoTax.")
    currency = merged.get("CurrencyCode") or data.base_currency
    if not data.currency_enabled(currency):
        errors.append(f"Organisation is not subscribed to currency {currency}")
    number = merged.get(kind.number_field)
    if number and doc_type == kind.auto_number_type:
        holder = find_document(data, kind.collection, number)
        if holder is not None and holder[kind.id_field] != (existing or {}).get(kind.id_field):
            errors.append(f"{kind.label} # must be unique.")
    dates: dict[str, date] = {}
    for name in _DATE_FIELDS:
        if merged.get(name):
            try:
                dates[name] = msdate.parse_request_date(merged[name])
            except ValueError:
                errors.append(f"{name} must be a valid date.")
    if kind is INVOICE and status == "AUTHORISED" and "DueDate" not in dates:
        errors.append("The document DueDate field must be specified.")
    if errors:
        raise ElementInvalid(errors)
    totals = lines.compute(
        data=data,
        lines=line_items,
        line_amount_types=line_amount_types,
        sales=doc_type.startswith("ACCREC"),
        unit_dp=unit_dp,
        make_id=data.make_id,
        require_account=kind is INVOICE and status in ("SUBMITTED", "AUTHORISED"),
    )
    rate = _currency_rate(data=data, currency=currency, given=merged.get("CurrencyRate"))
    paid = Decimal(str(merged.get("AmountPaid", 0)))
    credited = Decimal(str(merged.get("AmountCredited", 0))) if kind is INVOICE else Decimal(0)
    allocated = sum((Decimal(str(a.get("Amount", 0))) for a in merged.get("Allocations") or []), Decimal(0))
    if totals.total < paid + credited + allocated:
        raise ElementInvalid(["The total cannot be less than the amount already paid or credited."])
    contact, contact_events = contacts.contact_find_or_create(
        data=data, ref=contact_ref, now=now, naming=existing is None or "Contact" in element
    )
    events.extend(contact_events)

    record_id = existing[kind.id_field] if existing else data.make_id()
    day = dates.get("Date") or msdate.local_today(now=now, timezone_name=data.timezone)
    merged.update(
        {
            kind.id_field: record_id,
            "Type": doc_type,
            "Status": status,
            "LineAmountTypes": line_amount_types,
            "Contact": {"ContactID": contact["ContactID"], "Name": contact.get("Name", "")},
            "LineItems": totals.lines,
            "SubTotal": totals.sub_total,
            "TotalTax": totals.total_tax,
            "Total": totals.total,
            "CurrencyCode": currency,
            "CurrencyRate": rate,
            "Date": msdate.format_date(day),
            "DateString": msdate.date_string(day),
        }
    )
    for name in ("DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"):
        if name in dates:
            merged[name] = msdate.format_date(dates[name])
    if "DueDate" in dates:
        merged["DueDateString"] = msdate.date_string(dates["DueDate"])
    if not merged.get(kind.number_field) and doc_type == kind.auto_number_type:
        merged[kind.number_field] = data.next_number(kind.collection)
    merged.setdefault("Reference", "")
    merged.setdefault("HasAttachments", False)
    merged.setdefault("HasErrors", False)
    merged.setdefault("SentToContact", False)
    if kind is INVOICE:
        merged.setdefault("Payments", [])
        merged.setdefault("CreditNotes", [])
        merged.setdefault("Prepayments", [])
        merged.setdefault("Overpayments", [])
        merged.setdefault("IsDiscounted", False)
        merged["AmountPaid"] = money(paid)
        merged["AmountCredited"] = money(credited)
        merged["AmountDue"] = money(totals.total - paid - credited)
        if status in ("VOIDED", "DELETED"):
            merged["AmountDue"] = Decimal("0.00")
    else:
        merged.setdefault("Allocations", [])
        merged.setdefault("Payments", [])
        merged["RemainingCredit"] = money(totals.total - allocated - paid)
        if status in ("VOIDED", "DELETED"):
            merged["RemainingCredit"] = Decimal("0.00")
    stamp(merged, now)
    data.save(kind.collection, merged)
    if status == "AUTHORISED":
        contacts.contact_mark_trading(data=data, contact_id=contact["ContactID"], invoice_type=doc_type)
    events.append(Event(kind.category, "UPDATE" if existing else "CREATE", record_id, f"{kind.collection}/{record_id}"))
    return merged, events


def _changes_date(element: Record, existing: Record | None) -> bool:
    """Whether a write moves the document's Date (an unreadable date counts as a change)."""
    if existing is None or not element.get("Date"):
        return False
    try:
        return msdate.parse_request_date(element["Date"]) != msdate.date_of(existing["Date"])
    except (ValueError, KeyError):
        return True


def stamp(record: Record, now: datetime) -> None:
    """Set UpdatedDateUTC (and its readable twin) to the sandbox clock."""
    record["UpdatedDateUTC"] = msdate.format_datetime(now)
    record["UpdatedDateUTCString"] = msdate.utc_string(now)


def settle(record: Record, *, kind: Kind, last_date: str | None) -> None:
    """Mark a document PAID when nothing is left to pay (or back to AUTHORISED when something is again)."""
    outstanding = record["AmountDue"] if kind is INVOICE else record["RemainingCredit"]
    if record.get("Status") == "AUTHORISED" and outstanding == 0:
        record["Status"] = "PAID"
        if last_date:
            record["FullyPaidOnDate"] = last_date
    elif record.get("Status") == "PAID" and outstanding > 0:
        record["Status"] = "AUTHORISED"
        record.pop("FullyPaidOnDate", None)


def write_documents(
    *,
    data: TenantData,
    collection: str,
    method: str,
    document_id: str | None,
    query: dict[str, list[str]],
    body: bytes,
    now: datetime,
) -> ApiResult:
    """PUT/POST /Invoices, POST /Invoices/{id}; the same for /CreditNotes."""
    kind = kind_of(collection)
    if document_id is not None:
        found = find_document(data, collection, document_id)
        if found is None:
            return not_found()
        document_id = found[kind.id_field]
    unit_dp = listing.query_int(query, "unitdp") or 2
    elements = writes.parse_elements(body, collection)
    return writes.run_batch(
        collection=collection,
        elements=elements,
        save=lambda element: document_save(
            data=data,
            kind=kind,
            element=element,
            now=now,
            create_only=method == "PUT",
            document_id=document_id,
            unit_dp=unit_dp,
        ),
        id_field=kind.id_field,
        query=query,
    )
