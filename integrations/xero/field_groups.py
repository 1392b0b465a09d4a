"""The field groups of a linked contact as each side holds them, what a push writes for each, and how Xero's value
is written into the CRM: the cells of ownership.RULES (values are JSON, as `XeroContact.synced` keeps them)."""

from typing import Any

from contacts.matching import name_key
from contacts.models import PEOPLE_GETTING_INVOICES_MAX, Contact
from contacts.rows import AddressData, PhoneData
from integrations.xero import schemas
from integrations.xero.models import XeroContact

type Value = Any

# --- how each side holds a group ----------------------------------------------------------------------------------


def crm_name(contact: Contact) -> Value:
    return contact.name


def crm_email(contact: Contact) -> Value:
    return contact.primary_email


def crm_phones(contact: Contact) -> Value:
    """The first phone labelled "mobile" is Xero's MOBILE phone and the first other one its DEFAULT one."""
    phones = list(contact.phones.all())
    return {
        "DEFAULT": next((phone.number for phone in phones if phone.label != "mobile"), ""),
        "MOBILE": next((phone.number for phone in phones if phone.label == "mobile"), ""),
    }


def _street_lines(street: str) -> list[str]:
    lines = [line.strip() for line in street.splitlines() if line.strip()]
    return [*lines[:3], ", ".join(lines[3:])] if len(lines) > 4 else lines


def crm_addresses(contact: Contact) -> Value:
    """The first address labelled "postal" is Xero's POBOX address, the first other one its STREET address."""
    addresses = list(contact.addresses.all())
    chosen = {
        "STREET": next((a for a in addresses if a.label != "postal"), None),
        "POBOX": next((a for a in addresses if a.label == "postal"), None),
    }
    return {
        kind: {
            "lines": _street_lines(a.street),
            "city": a.city,
            "region": a.region,
            "postal_code": a.postcode,
            "country": a.country,
        }
        if a is not None
        else None
        for kind, a in chosen.items()
    }


def crm_terms(contact: Contact) -> Value:
    if contact.payment_terms_day is None:
        return None
    return {"day": contact.payment_terms_day, "type": contact.payment_terms_type}


def xero_terms(link: XeroContact) -> Value:
    if not link.sales_terms_type or link.sales_terms_day is None:
        return None
    return {"day": link.sales_terms_day, "type": link.sales_terms_type}


def _person_value(first: str, last: str, email: str, include: bool) -> dict[str, Any]:
    return {"first_name": first, "last_name": last, "email": email, "include_in_emails": include}


def persons_sorted(persons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(persons, key=lambda p: (not p["include_in_emails"], p["email"].casefold(), p["last_name"]))


def _matches(person: Contact, xero_person: dict[str, Any]) -> bool:
    """The same person: the same email (any case), else the same normalised name (contacts.matching)."""
    email = person.primary_email.casefold()
    if email and xero_person["email"]:
        return email == xero_person["email"].casefold()
    return bool(person.name) and name_key(person.name) == name_key(
        f"{xero_person['first_name']} {xero_person['last_name']}"
    )


def crm_persons(contact: Contact, link: XeroContact) -> Value:
    """An organisation's contact persons as Capsync holds them: its people who get invoices (IncludeInEmails),
    then its people Xero already lists as persons (kept, without emails), five at most. None for a person."""
    if contact.is_person:
        return None
    people = [person for person in contact.people.all() if person.archived_at is None]
    recipients = [_person_value(p.first_name, p.last_name, p.primary_email, True) for p in people if p.gets_invoices]
    kept = [
        _person_value(p.first_name, p.last_name, p.primary_email, False)
        for p in people
        if not p.gets_invoices and any(_matches(p, xero_person) for xero_person in link.persons)
    ]
    return persons_sorted(recipients) + persons_sorted(kept)[: max(PEOPLE_GETTING_INVOICES_MAX - len(recipients), 0)]


def xero_addresses(link: XeroContact) -> Value:
    by_type = {a.get("type", "STREET"): a for a in reversed(link.addresses)}
    return {
        kind: {
            "lines": list(by_type[kind].get("lines", [])),
            "city": by_type[kind].get("city", ""),
            "region": by_type[kind].get("region", ""),
            "postal_code": by_type[kind].get("postal_code", ""),
            "country": by_type[kind].get("country", ""),
        }
        if kind in by_type
        else None
        for kind in ("STREET", "POBOX")
    }


# --- what a push writes for a group -------------------------------------------------------------------------------


def name_element(value: Value, contact: Contact) -> schemas.Record:
    element: schemas.Record = {"Name": value}
    if contact.is_person:  # an organisation's FirstName/LastName is its main person, which Capsync leaves alone
        element |= {"FirstName": contact.first_name, "LastName": contact.last_name}
    return element


def phones_element(value: Value, contact: Contact) -> schemas.Record:
    # Sent by type with every part, so an emptied number or a Xero-side area code does not linger.
    return {
        "Phones": [
            {"PhoneType": kind, "PhoneNumber": value[kind], "PhoneAreaCode": "", "PhoneCountryCode": ""}
            for kind in ("DEFAULT", "MOBILE")
        ]
    }


def addresses_element(value: Value, contact: Contact) -> schemas.Record:
    empty = {"lines": [], "city": "", "region": "", "postal_code": "", "country": ""}
    addresses = []
    for kind in ("STREET", "POBOX"):
        address = value[kind] or empty
        lines = [*address["lines"], "", "", "", ""][:4]
        addresses.append(
            {
                "AddressType": kind,
                **{f"AddressLine{n}": line for n, line in enumerate(lines, start=1)},
                "City": address["city"],
                "Region": address["region"],
                "PostalCode": address["postal_code"],
                "Country": address["country"],
            }
        )
    return {"Addresses": addresses}


def persons_element(value: Value, contact: Contact) -> schemas.Record:
    return {
        "ContactPersons": [
            {
                "FirstName": p["first_name"],
                "LastName": p["last_name"],
                "EmailAddress": p["email"],
                "IncludeInEmails": p["include_in_emails"],
            }
            for p in value
        ]
    }


def terms_element(value: Value, contact: Contact) -> schemas.Record:
    # Clearing Xero's terms is not possible through the API (an empty Sales keeps them), so None sends nothing.
    return {"PaymentTerms": {"Sales": {"Day": value["day"], "Type": value["type"]}}} if value else {}


# --- how Xero's value is written into the CRM (contacts.services.contact_update's arguments) -----------------------


def name_arguments(value: Value, link: XeroContact, contact: Contact) -> dict[str, Any]:
    if not contact.is_person:
        return {"name": value}
    if link.first_name or link.last_name:
        return {"first_name": link.first_name, "last_name": link.last_name}
    first, _, last = value.rpartition(" ")
    return {"first_name": first, "last_name": last} if first else {"first_name": "", "last_name": value}


def email_arguments(value: Value, link: XeroContact, contact: Contact) -> dict[str, Any]:
    others = [email.address for email in contact.emails.all()][1:]
    return {"emails": [value, *others] if value else others}


def phones_arguments(value: Value, link: XeroContact, contact: Contact) -> dict[str, Any]:
    phones = list(contact.phones.all())
    first_other = next((p for p in phones if p.label != "mobile"), None)
    first_mobile = next((p for p in phones if p.label == "mobile"), None)
    rest = [PhoneData(number=p.number, label=p.label) for p in phones if p not in (first_other, first_mobile)]
    taken = [
        PhoneData(number=value["DEFAULT"], label=first_other.label if first_other else "work"),
        PhoneData(number=value["MOBILE"], label="mobile"),
    ]
    return {"phones": [phone for phone in taken if phone.number] + rest}


def addresses_arguments(value: Value, link: XeroContact, contact: Contact) -> dict[str, Any]:
    addresses = list(contact.addresses.all())
    street = next((a for a in addresses if a.label != "postal"), None)
    postal = next((a for a in addresses if a.label == "postal"), None)
    taken = [
        AddressData(
            label=label,
            street="\n".join(line for line in address["lines"] if line),
            city=address["city"],
            region=address["region"],
            postcode=address["postal_code"],
            country=address["country"],
        )
        for label, address in (
            (street.label if street else "office", value["STREET"]),
            ("postal", value["POBOX"]),
        )
        if address is not None
    ]
    rest = [
        AddressData(
            label=a.label, street=a.street, city=a.city, region=a.region, postcode=a.postcode, country=a.country
        )
        for a in addresses
        if a not in (street, postal)
    ]
    return {"addresses": taken + rest}


def terms_arguments(value: Value, link: XeroContact, contact: Contact) -> dict[str, Any]:
    return {"payment_terms": (value["day"], value["type"]) if value else (None, "")}
