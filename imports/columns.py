"""What a CSV column can mean to Capsync, and how a header is recognised (pure functions, no I/O).

Capsule CRM's own export is read as it is. Its column names are those of Capsule's contact fields: "Type",
"Name", "Title", "First Name", "Last Name", "Job Title", "Organisation" (or "Organization"), "About", "Tags",
"Owner", "Team", labelled emails and phones ("Email (Work)", "Email (Home)", "Phone (Work)", "Phone (Mobile)",
"Phone (Fax)", "Phone (Direct)") and address parts ("Street Address", "City", "State", "Zip", "Country"); for
opportunities "Name", "Organisation"/"Contact", "Value", "Currency", "Milestone", "Expected Close Date", "Owner",
"Description". Sources: Capsule's help on importing and exporting (capsulecrm.com/support/import/, .../help/page/
import/, .../support/importing-and-migrating-data/importing-opportunities) and the field labels Capsule
integrations use (verygoodplugins/wp-fusion-lite, includes/crms/capsule/admin/capsule-fields.php). Exports are
not all spelt alike ("Email Address (Work)", "Work Email", "Organization Name"), so a header is recognised by
its words, not verbatim; what is not recognised is left for the user to map by hand (docs/IMPORTS.md).
"""

import re
from dataclasses import dataclass

CONTACTS, OPPORTUNITIES = "contacts", "opportunities"
SKIP = ""  # "Don't import this column"

EMAIL_LABELS = ("work", "home", "other")
PHONE_LABELS = ("work", "mobile", "home", "fax", "direct", "other")
ADDRESS_LABELS = ("office", "home")
ADDRESS_PARTS = (
    ("street", "street"),
    ("city", "city"),
    ("region", "region / state"),
    ("postcode", "postcode / zip"),
    ("country", "country"),
)


@dataclass(frozen=True)
class Field:
    key: str
    label: str


CONTACT_FIELDS: tuple[Field, ...] = (
    Field("type", "Type (person or organisation)"),
    Field("name", "Name"),
    Field("title", "Title (Mr, Dr…)"),
    Field("first_name", "First name"),
    Field("last_name", "Last name"),
    Field("job_title", "Job title"),
    Field("organisation", "Organisation (a person's)"),
    *(Field(f"email:{label}", f"Email ({label})") for label in EMAIL_LABELS),
    *(Field(f"phone:{label}", f"Phone ({label})") for label in PHONE_LABELS),
    *(
        Field(f"address:{label}:{part}", f"Address ({label}): {name}")
        for label in ADDRESS_LABELS
        for part, name in ADDRESS_PARTS
    ),
    Field("tags", "Tags (comma-separated)"),
    Field("owner", "Owner (email or name)"),
    Field("team", "Team"),
    Field("about", "About"),
)

OPPORTUNITY_FIELDS: tuple[Field, ...] = (
    Field("name", "Opportunity name"),
    Field("contact", "Contact (organisation or person name)"),
    Field("contact_email", "Contact's email"),
    Field("value", "Value"),
    Field("currency", "Currency"),
    Field("milestone", "Milestone"),
    Field("expected_close", "Expected close date"),
    Field("owner", "Owner (email or name)"),
    Field("team", "Team"),
    Field("description", "Description"),
)

FIELDS = {CONTACTS: CONTACT_FIELDS, OPPORTUNITIES: OPPORTUNITY_FIELDS}

_NON_WORD = re.compile(r"[^a-z0-9]+")


def _words(header: str) -> tuple[str, ...]:
    return tuple(word for word in _NON_WORD.split(header.lower()) if word)


_CONTACT_EXACT = {
    "type": "type",
    "contact type": "type",
    "party type": "type",
    "name": "name",
    "full name": "name",
    "contact name": "name",
    "display name": "name",
    "organisation name": "name",
    "organization name": "name",
    "title": "title",
    "salutation": "title",
    "prefix": "title",
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "forename": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "job title": "job_title",
    "position": "job_title",
    "role": "job_title",
    "organisation": "organisation",
    "organization": "organisation",
    "company": "organisation",
    "company name": "organisation",
    "employer": "organisation",
    "about": "about",
    "background": "about",
    "notes": "about",
    "tags": "tags",
    "tag": "tags",
    "labels": "tags",
    "owner": "owner",
    "owner email": "owner",
    "assigned to": "owner",
    "team": "team",
}
_OPPORTUNITY_EXACT = {
    "name": "name",
    "opportunity": "name",
    "opportunity name": "name",
    "deal": "name",
    "deal name": "name",
    "contact": "contact",
    "contact name": "contact",
    "party": "contact",
    "organisation": "contact",
    "organization": "contact",
    "company": "contact",
    "client": "contact",
    "contact email": "contact_email",
    "email": "contact_email",
    "email address": "contact_email",
    "value": "value",
    "amount": "value",
    "expected value": "value",
    "currency": "currency",
    "currency code": "currency",
    "milestone": "milestone",
    "stage": "milestone",
    "expected close date": "expected_close",
    "expected close": "expected_close",
    "close date": "expected_close",
    "expected close on": "expected_close",
    "owner": "owner",
    "team": "team",
    "description": "description",
}
_PHONE_WORDS = {"phone", "telephone", "tel", "mobile", "cell", "fax"}
_ADDRESS_PARTS = (  # the plain word "address" last: "Address City" is a city
    ({"city", "town", "suburb", "locality"}, "city"),
    ({"state", "county", "region", "province"}, "region"),
    ({"postcode", "zip", "postal", "post"}, "postcode"),
    ({"country"}, "country"),
    ({"street", "line", "address1", "address2", "address"}, "street"),
)


def _label(words: tuple[str, ...], labels: tuple[str, ...], *, default: str) -> str:
    synonyms = {"personal": "home", "misc": "other", "cell": "mobile", "office": "office", "business": "work"}
    for word in words:
        label = synonyms.get(word, word)
        if label in labels:
            return label
    return default


def field_for_header(header: str, *, kind: str) -> str:
    """The field a column with this header fills, or SKIP when the header is not recognised."""
    words = _words(header)
    text = " ".join(words)
    if kind == OPPORTUNITIES:
        return _OPPORTUNITY_EXACT.get(text, SKIP)
    if text in _CONTACT_EXACT:
        return _CONTACT_EXACT[text]
    if any(word.startswith("email") for word in words) or ("e" in words and "mail" in words):
        return f"email:{_label(words, EMAIL_LABELS, default='work')}"
    if _PHONE_WORDS & set(words):
        default = "mobile" if {"mobile", "cell"} & set(words) else "fax" if "fax" in words else "work"
        return f"phone:{_label(words, PHONE_LABELS, default=default)}"
    for part_words, part in _ADDRESS_PARTS:
        if part_words & set(words):
            return f"address:{_label(words, ADDRESS_LABELS, default='office')}:{part}"
    return SKIP


def kind_for_headers(headers: list[str]) -> str:
    """OPPORTUNITIES when the headers look like an opportunity export (a milestone, value or close date and no
    person's names or email labels), else CONTACTS."""
    texts = {" ".join(_words(header)) for header in headers}
    deal_columns = {"milestone", "stage", "expected close date", "expected close", "value", "currency"}
    person_columns = {"first name", "last name", "type", "job title"}
    return OPPORTUNITIES if texts & deal_columns and not texts & person_columns else CONTACTS


def mapping_for_headers(headers: list[str], *, kind: str) -> list[str]:
    """The field of each column, by position (headers may repeat); a field is given to its first column only."""
    taken: set[str] = set()
    mapping = []
    for header in headers:
        field = field_for_header(header, kind=kind)
        if field in taken:
            field = SKIP
        taken.add(field)
        mapping.append(field)
    return mapping


def field_keys(kind: str) -> set[str]:
    return {field.key for field in FIELDS[kind]}
