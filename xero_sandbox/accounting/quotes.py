"""/Quotes: list (page only, no pageSize/pagination, no where), get, create, update."""

from datetime import date, datetime
from typing import Any

from xero_sandbox import msdate
from xero_sandbox.accounting import contacts, lines, listing, writes
from xero_sandbox.accounting.invoices import stamp
from xero_sandbox.accounting.results import ApiResult, ElementInvalid, not_found, ok
from xero_sandbox.store import Event, TenantData

Record = dict[str, Any]

_WRITABLE = frozenset(
    {
        "QuoteNumber",
        "Reference",
        "Terms",
        "Contact",
        "LineItems",
        "Date",
        "ExpiryDate",
        "Status",
        "CurrencyCode",
        "CurrencyRate",
        "Title",
        "Summary",
        "BrandingThemeID",
        "LineAmountTypes",
    }
)
_TRANSITIONS = {
    "DRAFT": {"DRAFT", "SENT", "DELETED"},
    "SENT": {"SENT", "DRAFT", "ACCEPTED", "DECLINED", "DELETED"},
    "DECLINED": {"DECLINED", "SENT", "DELETED"},
    "ACCEPTED": {"ACCEPTED", "SENT", "INVOICED", "DELETED"},
    "INVOICED": {"INVOICED"},
    "DELETED": {"DELETED"},
}
_EDITABLE_STATUSES = {"DRAFT", "SENT"}


def render(*, data: TenantData, record: Record) -> Record:
    """The quote as Xero returns it; the embedded contact reflects the contact's current name."""
    view = dict(record)
    contact = data.contacts.get((record.get("Contact") or {}).get("ContactID", ""))
    if contact is not None:
        view["Contact"] = contacts.contact_summary(contact)
    return view


def _date_filter(field: str, bound: date, *, upper: bool) -> Any:
    def accept(record: Record) -> bool:
        value = record.get(field)
        if not value:
            return False
        day = msdate.date_of(value)
        return day <= bound if upper else day >= bound

    return accept


def list_quotes(*, data: TenantData, query: dict[str, list[str]], headers: dict[str, str]) -> ApiResult:
    """GET /Quotes."""
    filters = []
    for param, field, upper in (
        ("DateFrom", "Date", False),
        ("DateTo", "Date", True),
        ("ExpiryDateFrom", "ExpiryDate", False),
        ("ExpiryDateTo", "ExpiryDate", True),
    ):
        value = listing.query_value(query, param)
        if value:
            try:
                bound = msdate.parse_request_date(value)
            except ValueError:
                continue
            filters.append(_date_filter(field, bound, upper=upper))
    contact_ids = listing.query_ids(query, "ContactID")
    if contact_ids:
        filters.append(lambda r: (r.get("Contact") or {}).get("ContactID", "").lower() in contact_ids)
    status = listing.query_value(query, "Status")
    if status:
        filters.append(lambda r: r.get("Status") == status.upper())
    number = listing.query_value(query, "QuoteNumber")
    if number:
        filters.append(lambda r: r.get("QuoteNumber") == number)
    page = listing.select(
        collection=data.quotes, query=query, headers=headers, filters=filters, page_size_allowed=False, use_where=False
    )
    views = [render(data=data, record=record) for record in page.records]
    if not page.paged:  # docs: "page=1 - ... with line items shown for each quote"
        views = [{**view, "LineItems": []} for view in views]
    return ok({"Quotes": views})


def get_quote(*, data: TenantData, quote_id: str) -> ApiResult:
    """GET /Quotes/{QuoteID}."""
    record = data.quotes.get(quote_id)
    if record is None:
        return not_found()
    return ok({"Quotes": [render(data=data, record=record)]})


def quote_save(
    *, data: TenantData, element: Record, now: datetime, create_only: bool, quote_id: str | None = None
) -> tuple[Record, list[Event]]:
    """Create or update one quote. Raises ElementInvalid (nothing saved) on a broken rule."""
    writes.require_shapes(
        element,
        strings=("QuoteID", "QuoteNumber", "Status", "LineAmountTypes", "CurrencyCode", "Title", "Summary"),
        objects=("Contact",),
        lists=("LineItems",),
    )
    writes.require_shapes(element.get("Contact") or {}, strings=("ContactID",))
    ref = quote_id or element.get("QuoteID")
    existing = data.quotes.get(ref) if ref else None
    if ref and existing is None:
        raise ElementInvalid([f"Quote with ID {ref} could not be found."])
    if existing is not None and create_only:
        raise ElementInvalid(["A quote with this QuoteID already exists; use POST to update it."])
    merged: Record = dict(existing) if existing else {}
    for key, value in element.items():
        if key in _WRITABLE:
            merged[key] = value
    errors: list[str] = []
    old_status = existing.get("Status", "DRAFT") if existing else None
    status = merged.get("Status") or "DRAFT"
    if status not in _TRANSITIONS:
        errors.append("Status must be one of DRAFT, SENT, DECLINED, ACCEPTED, INVOICED, DELETED.")
    elif old_status is None and status not in ("DRAFT", "SENT"):
        errors.append(f"A new quote cannot have the status {status}.")
    elif old_status is not None and status not in _TRANSITIONS[old_status]:
        errors.append(f"The quote status cannot change from {old_status} to {status}.")
    if (
        old_status is not None
        and old_status not in _EDITABLE_STATUSES
        and any(name in element for name in ("LineItems", "Contact", "CurrencyCode", "LineAmountTypes"))
    ):
        errors.append(f"A quote with the status {old_status} cannot be edited.")
    contact_ref = merged.get("Contact")
    if not isinstance(contact_ref, dict) or not contact_ref.get("ContactID"):
        errors.append("Contact is required.")
    elif data.contacts.get(contact_ref["ContactID"]) is None:
        errors.append(f"The contact with ID {contact_ref['ContactID']} could not be found.")
    day = expiry = None
    if not merged.get("Date"):
        errors.append("Date is required.")
    else:
        try:
            day = msdate.parse_request_date(merged["Date"])
        except ValueError:
            errors.append("Date must be a valid date.")
    if merged.get("ExpiryDate"):
        try:
            expiry = msdate.parse_request_date(merged["ExpiryDate"])
        except ValueError:
            errors.append("ExpiryDate must be a valid date.")
    line_amount_types = merged.get("LineAmountTypes") or "EXCLUSIVE"
    if line_amount_types not in lines.QUOTE_LINE_AMOUNT_TYPES:
        errors.append("LineAmountTypes must be one of EXCLUSIVE, INCLUSIVE, NOTAX.")
    if isinstance(merged.get("Title"), str) and len(merged["Title"]) > 100:
        errors.append("Title must not exceed 100 characters.")
    if isinstance(merged.get("Summary"), str) and len(merged["Summary"]) > 3000:
        errors.append("Summary must not exceed 3000 characters.")
    currency = merged.get("CurrencyCode") or data.base_currency
    if not data.currency_enabled(currency):
        errors.append(f"Organisation is not subscribed to currency {currency}")
    if errors:
        raise ElementInvalid(errors)
    assert day is not None
    assert isinstance(contact_ref, dict)
    totals = lines.compute(
        data=data,
        lines=merged.get("LineItems") or [],
        line_amount_types=lines.QUOTE_LINE_AMOUNT_TYPES[line_amount_types],
        sales=True,
        make_id=data.make_id,
    )
    contact = data.contacts.get(contact_ref["ContactID"])
    assert contact is not None
    record_id = existing["QuoteID"] if existing else data.make_id()
    merged.update(
        {
            "QuoteID": record_id,
            "Status": status,
            "LineAmountTypes": line_amount_types,
            "Contact": {"ContactID": contact["ContactID"], "Name": contact.get("Name", "")},
            "LineItems": totals.lines,
            "SubTotal": totals.sub_total,
            "TotalTax": totals.total_tax,
            "Total": totals.total,
            "CurrencyCode": currency,
            "Date": msdate.format_date(day),
            "DateString": msdate.date_string(day),
        }
    )
    if expiry is not None:
        merged["ExpiryDate"] = msdate.format_date(expiry)
        merged["ExpiryDateString"] = msdate.date_string(expiry)
    if not merged.get("QuoteNumber"):
        merged["QuoteNumber"] = data.next_number("Quotes")
    stamp(merged, now)
    merged.pop("UpdatedDateUTCString", None)
    data.save("Quotes", merged)
    return render(data=data, record=merged), []


def write_quotes(
    *, data: TenantData, method: str, quote_id: str | None, query: dict[str, list[str]], body: bytes, now: datetime
) -> ApiResult:
    """PUT /Quotes, POST /Quotes, POST /Quotes/{QuoteID}."""
    if quote_id is not None and data.quotes.get(quote_id) is None:
        return not_found()
    elements = writes.parse_elements(body, "Quotes")
    return writes.run_batch(
        collection="Quotes",
        elements=elements,
        id_field="QuoteID",
        query=query,
        save=lambda element: quote_save(
            data=data, element=element, now=now, create_only=method == "PUT", quote_id=quote_id
        ),
    )
