"""/Contacts: list, get (by ContactID or ContactNumber), create, update, archive."""

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from xero_sandbox import msdate
from xero_sandbox.accounting import listing, writes
from xero_sandbox.accounting.results import ApiResult, ElementInvalid, money, not_found, ok
from xero_sandbox.store import Event, TenantData, name_key

Record = dict[str, Any]

_READ_ONLY = {
    "ContactID",
    "UpdatedDateUTC",
    "IsSupplier",
    "IsCustomer",
    "Balances",
    "HasValidationErrors",
    "ValidationErrors",
    "StatusAttributeString",
    "HasAttachments",
    "Website",
    "Discount",
    "MergedToContactID",
}
_SUMMARY_DROPPED = (
    "Addresses",
    "Phones",
    "ContactPersons",
    "Balances",
    "PaymentTerms",
    "ContactGroups",
    "BatchPayments",
    "SalesTrackingCategories",
    "PurchasesTrackingCategories",
)
_STRING_FIELDS = (
    "ContactID",
    "Name",
    "FirstName",
    "LastName",
    "EmailAddress",
    "ContactNumber",
    "AccountNumber",
    "CompanyNumber",
    "TaxNumber",
    "ContactStatus",
    "SalesDefaultLineAmountType",
    "PurchasesDefaultLineAmountType",
    "DefaultCurrency",
)
# Xero's answer to a write that matches (by name) or edits an archived contact; see README, unique names.
ARCHIVED_MATCH = (
    "The specified contact details matched an archived contact. "
    "Archived contacts cannot currently be edited via the API."
)
# Xero's answer to a document naming an archived contact (AgriDigital's and ServiceM8's support pages quote it).
DOCUMENT_FOR_ARCHIVED = (
    "The contact with the specified contact details has been archived. "
    "The contact must be un-archived before creating new invoices or credit notes."
)
# Contact persons (README, "Contact persons"): at most five beside the primary person, who needs an email first.
PERSONS_MAX = 5
PERSONS_TOO_MANY = f"A contact can have at most {PERSONS_MAX} contact persons (additional people)."
PERSONS_NEED_PRIMARY_EMAIL = "Additional people cannot be added when the primary person has no email address set."
_PERSON_STRINGS = ("FirstName", "LastName", "EmailAddress")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ENUMS = {
    "ContactStatus": ("ACTIVE", "ARCHIVED", "GDPRREQUEST"),
    "SalesDefaultLineAmountType": ("INCLUSIVE", "EXCLUSIVE", "NONE"),
    "PurchasesDefaultLineAmountType": ("INCLUSIVE", "EXCLUSIVE", "NONE"),
}
_MAX_LENGTHS = {
    "Name": 255,
    "FirstName": 255,
    "LastName": 255,
    "EmailAddress": 255,
    "ContactNumber": 50,
    "AccountNumber": 50,
    "CompanyNumber": 50,
    "TaxNumber": 50,
}


def balances(*, data: TenantData, contact_id: str, now: datetime) -> dict[str, dict[str, Decimal]]:
    """Xero's per-contact AR/AP balances from its authorised invoices (raw amounts, not converted to base)."""
    today = msdate.local_today(now=now, timezone_name=data.timezone)
    totals = {"ACCREC": [Decimal(0), Decimal(0)], "ACCPAY": [Decimal(0), Decimal(0)]}
    for invoice_id in data.documents_by_contact.get(contact_id, ()):
        invoice = data.invoices.get(invoice_id)
        if invoice is None or invoice.get("Status") != "AUTHORISED" or invoice.get("Type") not in totals:
            continue
        due = Decimal(str(invoice.get("AmountDue", 0)))
        bucket = totals[invoice["Type"]]
        bucket[0] += due
        due_date = invoice.get("DueDate")
        if due_date and msdate.date_of(due_date) < today:
            bucket[1] += due
    return {
        "AccountsReceivable": {"Outstanding": money(totals["ACCREC"][0]), "Overdue": money(totals["ACCREC"][1])},
        "AccountsPayable": {"Outstanding": money(totals["ACCPAY"][0]), "Overdue": money(totals["ACCPAY"][1])},
    }


def render(*, data: TenantData, record: Record, now: datetime, summary: bool = False) -> Record:
    """The contact as Xero returns it: stored fields plus live Balances."""
    view = dict(record)
    view.setdefault("ContactStatus", "ACTIVE")
    view.setdefault("Addresses", [])
    view.setdefault("Phones", [])
    view.setdefault("ContactGroups", [])
    view.setdefault("ContactPersons", [])
    view.setdefault("HasAttachments", False)
    view.setdefault("HasValidationErrors", False)
    if record["ContactID"] in data.documents_by_contact:
        view["Balances"] = balances(data=data, contact_id=record["ContactID"], now=now)
    if summary:
        for name in _SUMMARY_DROPPED:
            view.pop(name, None)
    return view


def list_contacts(
    *, data: TenantData, query: dict[str, list[str]], headers: dict[str, str], now: datetime
) -> ApiResult:
    """GET /Contacts."""
    filters = []
    wanted = listing.query_ids(query, "IDs")
    if wanted is not None:
        filters.append(lambda record: record["ContactID"].lower() in wanted)
    if not listing.query_bool(query, "includeArchived"):
        filters.append(lambda record: record.get("ContactStatus", "ACTIVE") != "ARCHIVED")
    term = listing.query_value(query, "searchTerm")
    if term:
        needle = term.casefold()
        fields = ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")
        filters.append(lambda record: any(needle in str(record.get(name) or "").casefold() for name in fields))
    page = listing.select(
        collection=data.contacts, query=query, headers=headers, filters=filters, page_size_allowed=True
    )
    summary = bool(listing.query_bool(query, "summaryOnly"))
    body: Record = {"Contacts": [render(data=data, record=r, now=now, summary=summary) for r in page.records]}
    if page.pagination is not None:
        body = {"pagination": page.pagination, **body}
    return ok(body)


def get_contact(*, data: TenantData, ref: str, now: datetime) -> ApiResult:
    """GET /Contacts/{ContactID or ContactNumber}."""
    record = data.find_contact(ref)
    if record is None:
        return not_found()
    return ok({"Contacts": [render(data=data, record=record, now=now)]})


PAYMENT_TERM_TYPES = ("DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH", "OFCURRENTMONTH", "OFFOLLOWINGMONTH")


def payment_terms_errors(terms: Any) -> list[str]:
    """What is wrong with a PaymentTerms object (``{"Bills"|"Sales": {"Day": n, "Type": ...}}``, the spec's
    PaymentTerm). Days of the month (OF... types) run 1-31; day counts (DAYSAFTER...) from 0. The messages are
    the sandbox's own: Xero's wording for these refusals is unverified."""
    if not isinstance(terms, dict):
        return ["PaymentTerms must be an object with Bills and/or Sales."]
    errors = []
    for side, term in terms.items():
        if side not in ("Bills", "Sales"):
            errors.append(f"PaymentTerms has no {side}; use Bills or Sales.")
            continue
        if not isinstance(term, dict):
            errors.append(f"PaymentTerms.{side} must be an object with Day and Type.")
            continue
        kind, day = term.get("Type"), term.get("Day")
        if kind not in PAYMENT_TERM_TYPES:
            errors.append(f"PaymentTerms.{side}.Type must be one of {', '.join(PAYMENT_TERM_TYPES)}.")
        low = 1 if str(kind).startswith("OF") else 0
        high = 31 if str(kind).startswith("OF") else 999
        if isinstance(day, bool) or not isinstance(day, (int, Decimal)) or day != int(day) or not low <= day <= high:
            errors.append(f"PaymentTerms.{side}.Day must be a whole number from {low} to {high}.")
        elif isinstance(day, Decimal):
            term["Day"] = int(day)
    return errors


def _validate(*, data: TenantData, merged: Record, contact_id: str) -> None:
    errors: list[str] = []
    if "PaymentTerms" in merged:
        errors.extend(payment_terms_errors(merged["PaymentTerms"]))
    name = merged.get("Name")
    if not isinstance(name, str) or not name.strip():
        errors.append("The contact name must be provided.")
    for field, limit in _MAX_LENGTHS.items():
        value = merged.get(field)
        if isinstance(value, str) and len(value) > limit:
            errors.append(f"The {field} must not exceed {limit} characters.")
    email = merged.get("EmailAddress")
    if email and (not isinstance(email, str) or not _EMAIL.match(email)):
        errors.append("Email address must be valid.")
    for field, allowed in _ENUMS.items():
        if field in merged and merged[field] not in allowed:
            errors.append(f"{field} must be one of {', '.join(allowed)}.")
    errors.extend(_persons_errors(merged))
    if isinstance(name, str) and name.strip() and merged.get("ContactStatus", "ACTIVE") == "ACTIVE":
        errors.extend(_name_taken(data=data, name=name, contact_id=contact_id))
    number = merged.get("ContactNumber")
    if number and data.contact_numbers.get(number, contact_id) != contact_id:
        errors.append(f"The contact number {number} is already assigned to another contact.")
    if errors:
        raise ElementInvalid(errors)


def _persons_errors(merged: Record) -> list[str]:
    """Xero's rules for ContactPersons (README, "Contact persons"): objects of FirstName, LastName, EmailAddress
    (each at most 255 characters, the email valid) and IncludeInEmails (a boolean); at most five of them; and
    none while the contact itself (its primary person) has no email address."""
    persons = merged.get("ContactPersons") or []
    if not isinstance(persons, list):
        return ["ContactPersons must be an array."]
    errors: list[str] = []
    for person in persons:
        if not isinstance(person, dict):
            errors.append("Each ContactPerson must be an object.")
            continue
        for field in _PERSON_STRINGS:
            value = person.get(field)
            if value is not None and not isinstance(value, str):
                errors.append(f"ContactPerson {field} must be a string.")
            elif isinstance(value, str) and len(value) > _MAX_LENGTHS[field]:
                errors.append(f"The ContactPerson {field} must not exceed {_MAX_LENGTHS[field]} characters.")
        email = person.get("EmailAddress")
        if isinstance(email, str) and email and not _EMAIL.match(email):
            errors.append("Email address must be valid.")
        if person.get("IncludeInEmails") is not None and not isinstance(person["IncludeInEmails"], bool):
            errors.append("ContactPerson IncludeInEmails must be a boolean.")
    if len(persons) > PERSONS_MAX:
        errors.append(PERSONS_TOO_MANY)
    if persons and not str(merged.get("EmailAddress") or "").strip():
        errors.append(PERSONS_NEED_PRIMARY_EMAIL)
    return errors


def _name_taken(*, data: TenantData, name: str, contact_id: str) -> list[str]:
    """Xero's refusal when an active contact would take a name another contact holds (README: unique names).

    An active holder gives the ValidationException message of Xero's OpenAPI example; an archived holder gives the
    message Xero answers when a write matches an archived contact by its details.
    """
    holder = data.active_contact_names.get(name_key(name))
    if holder is not None and holder != contact_id:
        return [
            f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        ]
    holder = data.archived_contact_names.get(name_key(name))
    if holder is not None and holder != contact_id:
        return [ARCHIVED_MATCH]
    return []


def contact_save(
    *, data: TenantData, element: Record, now: datetime, create_only: bool, contact_id: str | None = None
) -> tuple[Record, list[Event]]:
    """Create or update one contact. Raises ElementInvalid (nothing saved) when it breaks a rule."""
    writes.require_shapes(element, strings=_STRING_FIELDS, lists=("Addresses", "Phones", "ContactPersons"))
    ref = contact_id or element.get("ContactID")
    existing = data.contacts.get(ref) if ref else None
    if ref and existing is None and not create_only:
        raise ElementInvalid([f"The contact with ID {ref} could not be found."])
    if existing is not None and create_only:
        raise ElementInvalid(["A contact with this ContactID already exists; use POST to update it."])
    merged: Record = dict(existing) if existing else {}
    for key, value in element.items():
        if key not in _READ_ONLY:
            merged[key] = value
    record_id = existing["ContactID"] if existing else (ref or data.make_id()).lower()
    if existing is None:
        merged.setdefault("ContactStatus", "ACTIVE")
        merged.setdefault("IsSupplier", False)
        merged.setdefault("IsCustomer", False)
    if existing is not None and existing.get("ContactStatus") == "ARCHIVED" and merged.get("ContactStatus") != "ACTIVE":
        # Only restoring (ContactStatus ACTIVE) may touch an archived contact; any other edit is refused.
        raise ElementInvalid([ARCHIVED_MATCH])
    _validate(data=data, merged=merged, contact_id=record_id)
    if merged.get("ContactPersons"):
        # Xero answers every person with IncludeInEmails, false unless sent true.
        merged["ContactPersons"] = [
            {**person, "IncludeInEmails": person.get("IncludeInEmails") is True} for person in merged["ContactPersons"]
        ]
    merged["ContactID"] = record_id
    merged["UpdatedDateUTC"] = msdate.format_datetime(now)
    data.save("Contacts", merged)
    event = Event("CONTACT", "UPDATE" if existing else "CREATE", record_id, f"Contacts/{record_id}")
    return render(data=data, record=merged, now=now), [event]


def write_contacts(
    *, data: TenantData, method: str, contact_id: str | None, query: dict[str, list[str]], body: bytes, now: datetime
) -> ApiResult:
    """PUT /Contacts, POST /Contacts, POST /Contacts/{ContactID}."""
    if contact_id is not None:
        found = data.find_contact(contact_id)
        if found is None:
            return not_found()
        contact_id = found["ContactID"]
    elements = writes.parse_elements(body, "Contacts")
    return writes.run_batch(
        collection="Contacts",
        elements=elements,
        save=lambda element: contact_save(
            data=data, element=element, now=now, create_only=method == "PUT", contact_id=contact_id
        ),
        id_field="ContactID",
        query=query,
    )


def contact_find_or_create(
    *, data: TenantData, ref: Record, now: datetime, naming: bool = True
) -> tuple[Record, list[Event]]:
    """The contact a document names: by ContactID, ContactNumber, or Name (found among active contacts or created).

    ``naming``: the write names this contact (a new document, or a Contact in the body); an archived contact is then
    refused, as Xero refuses new documents for it whichever way it is named. Raises ElementInvalid when none is
    given or the id is unknown.
    """
    writes.require_shapes(ref, strings=("ContactID", "ContactNumber", "Name"))
    contact_id = ref.get("ContactID")
    number = ref.get("ContactNumber")
    record = None
    if contact_id:
        record = data.contacts.get(contact_id)
        if record is None:
            raise ElementInvalid([f"The contact with ID {contact_id} could not be found."])
    elif number and number in data.contact_numbers:
        record = data.contacts.get(data.contact_numbers[number])
    if record is not None:
        if naming and record.get("ContactStatus") == "ARCHIVED":
            raise ElementInvalid([DOCUMENT_FOR_ARCHIVED])
        return record, []
    name = ref.get("Name")
    if isinstance(name, str) and name.strip():
        holder = data.active_contact_names.get(name_key(name))
        if holder is not None:
            return data.contacts.get(holder), []  # type: ignore[return-value]
        if name_key(name) in data.archived_contact_names:
            raise ElementInvalid([DOCUMENT_FOR_ARCHIVED])
        view, events = contact_save(data=data, element=ref, now=now, create_only=True)
        return data.contacts.get(view["ContactID"]), events  # type: ignore[return-value]
    raise ElementInvalid(["A Contact must be specified for this type of transaction"])


def contact_mark_trading(*, data: TenantData, contact_id: str, invoice_type: str) -> None:
    """Set IsCustomer/IsSupplier after an authorised invoice WITHOUT bumping UpdatedDateUTC (a Xero quirk)."""
    record = data.contacts.get(contact_id)
    if record is None:
        return
    flag = "IsCustomer" if invoice_type in ("ACCREC", "ACCRECCREDIT") else "IsSupplier"
    if record.get(flag) is not True:
        data.save("Contacts", {**record, flag: True})


def contact_summary(record: Record) -> Record:
    """The contact as embedded in documents."""
    summary = {"ContactID": record["ContactID"], "Name": record.get("Name", "")}
    for name in ("ContactNumber", "EmailAddress", "FirstName", "LastName", "ContactStatus"):
        if record.get(name):
            summary[name] = record[name]
    summary["HasValidationErrors"] = False
    return summary
