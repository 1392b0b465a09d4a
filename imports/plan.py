"""What importing each row would do: create, update (and which contact) or skip (and why). Pure: it reads only
the file's rows and a Catalogue of what Capsync already holds (imports.selectors.import_catalogue), so the preview
and the run plan the same way, and a rerun plans updates where the first run planned creations.

Matching follows contacts.matching, the rules the duplicate warning and the Xero sync use: a row is the existing
contact of its team with the same email, else the same normalised name (and kind); a shared phone alone is only
a likely duplicate, reported but not merged.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from contacts.matching import email_key, name_key, phone_key
from contacts.rows import AddressData, EmailData, PhoneData
from imports.columns import ADDRESS_LABELS, OPPORTUNITIES

PERSON, ORGANISATION = "person", "organisation"
_KINDS = {
    "person": PERSON,
    "people": PERSON,
    "individual": PERSON,
    "organisation": ORGANISATION,
    "organization": ORGANISATION,
    "company": ORGANISATION,
    "org": ORGANISATION,
}
_LIST_SEPARATOR = re.compile(r"[,;]")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d")
# What the contacts app's columns hold (contacts.models): longer text is cut to fit rather than failing a batch.
EMAIL_MAX_LENGTH = 254
ADDRESS_SIZES = {"street": 500, "city": 255, "region": 255, "postcode": 50, "country": 100}
MAX_VALUE = Decimal("9999999999999999.99")  # what DecimalField(max_digits=18, decimal_places=2) holds


@dataclass(frozen=True)
class Catalogue:
    """What rows are checked and matched against: the importer's teams, their members and contacts, milestones
    and opportunities. Keys are lower-cased or contacts.matching keys."""

    default_team_id: int
    teams: dict[str, int]  # team name, lower-cased -> id (teams the importer may see)
    members: dict[int, dict[str, int]]  # team id -> {email or full name, lower-cased -> user id}
    emails: dict[tuple[int, str], int]  # (team id, email key) -> contact id
    names: dict[tuple[int, str, str], int]  # (team id, kind, name key) -> contact id
    phones: dict[tuple[int, str], int]  # (team id, phone key) -> contact id
    contact_names: dict[int, str]  # contact id -> name, for messages
    milestones: dict[str, tuple[int, int]]  # milestone name, lower-cased -> (id, probability)
    first_milestone: tuple[int, int] | None
    opportunities: dict[tuple[int, int, str], int]  # (team id, contact id, name key) -> opportunity id
    default_currency: str = "GBP"


@dataclass
class RowPlan:
    """One row: what it holds, and what importing it will do. `problems` skip the row; `notes` do not."""

    row: int
    team_id: int | None = None
    name: str = ""
    owner_id: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    match_id: int | None = None
    match_reason: str = ""

    @property
    def action(self) -> str:
        return "skip" if self.problems else "update" if self.match_id else "create"


@dataclass
class ContactPlan(RowPlan):
    kind: str = PERSON
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    about: str = ""
    organisation: str = ""  # a person's organisation, by name
    emails: list[EmailData] = field(default_factory=list)
    phones: list[PhoneData] = field(default_factory=list)
    addresses: list[AddressData] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass
class OpportunityPlan(RowPlan):
    contact_id: int | None = None
    milestone_id: int | None = None
    probability: int = 0
    value: Decimal = Decimal("0.00")
    currency: str = "GBP"
    expected_close: date | None = None
    description: str = ""


def _values(mapping: list[str], cells: list[str]) -> dict[str, str]:
    return {key: cell.strip() for key, cell in zip(mapping, cells, strict=False) if key}


def _team_and_owner(plan: RowPlan, values: dict[str, str], catalogue: Catalogue) -> None:
    plan.team_id = catalogue.default_team_id
    if team := values.get("team"):
        plan.team_id = catalogue.teams.get(team.lower())
        if plan.team_id is None:
            plan.problems.append(f"unknown team “{team}”")
            return
    if owner := values.get("owner"):
        plan.owner_id = catalogue.members.get(plan.team_id, {}).get(owner.lower())
        if plan.owner_id is None:
            plan.problems.append(f"unknown owner “{owner}” (not a member of the team)")


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATOR.split(text) if part.strip()]


def _contact_row(row: int, values: dict[str, str], *, default_kind: str, catalogue: Catalogue) -> ContactPlan:
    plan = ContactPlan(row=row, kind=default_kind)
    if kind := values.get("type"):
        if kind.lower() in _KINDS:
            plan.kind = _KINDS[kind.lower()]
        else:
            plan.problems.append(f"unknown type “{kind}” (person or organisation)")
    plan.title, plan.job_title = values.get("title", "")[:20], values.get("job_title", "")[:150]
    plan.about = values.get("about", "")
    if plan.kind == PERSON:
        plan.first_name, plan.last_name = values.get("first_name", "")[:100], values.get("last_name", "")[:100]
        if not (plan.first_name or plan.last_name) and values.get("name"):
            first, _, last = values["name"].rpartition(" ")
            plan.first_name, plan.last_name = (first, last) if first else (last, "")
        plan.name = f"{plan.first_name} {plan.last_name}".strip()
        plan.organisation = values.get("organisation", "")[:255]
    else:
        plan.name = values.get("name") or values.get("organisation", "")
    plan.name = plan.name[:255]
    if not name_key(plan.name):
        plan.problems.append("missing name")
    for key, cell in values.items():
        kind, _, label = key.partition(":")
        if kind == "email":
            for address in _split_list(cell):
                try:
                    validate_email(address)
                    if len(address) > EMAIL_MAX_LENGTH:  # validate_email allows 320; the column holds 254
                        raise ValidationError("too long")
                except ValidationError:
                    plan.problems.append(f"bad email “{address[:80]}”")
                else:
                    plan.emails.append(EmailData(address=address, label=label))
        elif kind == "phone" and cell:
            plan.phones.append(PhoneData(number=cell[:50], label=label))
    for label in ADDRESS_LABELS:
        parts = {part: values.get(f"address:{label}:{part}", "")[:size] for part, size in ADDRESS_SIZES.items()}
        if any(parts.values()):
            plan.addresses.append(AddressData(label=label, **parts))
    plan.tags = [tag[:50] for tag in _split_list(values.get("tags", ""))]
    _team_and_owner(plan, values, catalogue)
    return plan


def _match_contact(plan: ContactPlan, catalogue: Catalogue, seen: dict[tuple, int]) -> None:
    """Find the row's contact: earlier in the file (a problem), else in Capsync by email, then by name."""
    email_keys = [(plan.team_id, email_key(email.address)) for email in plan.emails]
    name = (plan.team_id, plan.kind, name_key(plan.name))
    for key, evidence in [*((key, "email") for key in email_keys), (name, "name")]:
        if key in seen:
            plan.problems.append(f"same {evidence} as row {seen[key]}, which is imported instead")
            return
    for key in [*email_keys, name]:
        seen[key] = plan.row
    for key in email_keys:
        if key in catalogue.emails:
            plan.match_id, plan.match_reason = catalogue.emails[key], "same email"
            return
    if name in catalogue.names:
        plan.match_id, plan.match_reason = catalogue.names[name], "same name"
        return
    for phone in plan.phones:
        if (other := catalogue.phones.get((plan.team_id, phone_key(phone.number)))) is not None:
            plan.notes.append(
                f"likely duplicate of {catalogue.contact_names.get(other, other)} (same phone); added as a new contact"
            )
            return


def contacts_plan(
    *, rows: list[tuple[int, list[str]]], mapping: list[str], default_kind: str, catalogue: Catalogue
) -> list[ContactPlan]:
    """Each row's plan, organisations first (so people can join the organisations the file brings)."""
    plans = [
        _contact_row(row, _values(mapping, cells), default_kind=default_kind, catalogue=catalogue)
        for row, cells in rows
    ]
    plans.sort(key=lambda plan: plan.kind != ORGANISATION)
    seen: dict[tuple, int] = {}
    for plan in plans:
        if not plan.problems:
            _match_contact(plan, catalogue, seen)
    return plans


def _parse_value(text: str) -> Decimal:
    # Currency signs and thousands separators go ("£1,250.00"); any other letter makes it unreadable.
    cleaned = re.sub(r"[\s,£$€¥]", "", text)
    if cleaned and not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise InvalidOperation(text)
    value = Decimal(cleaned or "0")
    if not value.is_finite() or value < 0 or value > MAX_VALUE:
        raise InvalidOperation(text)
    return value.quantize(Decimal("0.01"))


def _parse_date(text: str) -> date:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar date, no time)
        except ValueError:
            continue
    raise ValueError(text)


def _opportunity_row(row: int, values: dict[str, str], catalogue: Catalogue) -> OpportunityPlan:
    plan = OpportunityPlan(row=row, name=values.get("name", "")[:255], description=values.get("description", ""))
    if not plan.name:
        plan.problems.append("missing name")
    _team_and_owner(plan, values, catalogue)
    contact, email = values.get("contact", ""), values.get("contact_email", "")
    if plan.team_id is not None:
        plan.contact_id = catalogue.emails.get((plan.team_id, email_key(email))) if email else None
        for kind in (ORGANISATION, PERSON):
            plan.contact_id = plan.contact_id or catalogue.names.get((plan.team_id, kind, name_key(contact)))
        if plan.contact_id is None:
            named = contact or email
            plan.problems.append(f"unknown contact “{named}” (import contacts first)" if named else "missing contact")
    milestone = values.get("milestone", "")
    found = catalogue.milestones.get(milestone.lower()) if milestone else catalogue.first_milestone
    if found is None:
        plan.problems.append(f"unknown milestone “{milestone}”" if milestone else "no milestones exist")
    else:
        plan.milestone_id, plan.probability = found
    try:
        plan.value = _parse_value(values.get("value", ""))
    except InvalidOperation:
        plan.problems.append(f"bad value “{values['value']}”")
    plan.currency = (values.get("currency") or catalogue.default_currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", plan.currency):
        plan.problems.append(f"bad currency “{values['currency']}” (a three-letter code)")
    if values.get("expected_close"):
        try:
            plan.expected_close = _parse_date(values["expected_close"])
        except ValueError:
            plan.problems.append(f"bad date “{values['expected_close']}” (use YYYY-MM-DD or DD/MM/YYYY)")
    return plan


def opportunities_plan(
    *, rows: list[tuple[int, list[str]]], mapping: list[str], catalogue: Catalogue
) -> list[OpportunityPlan]:
    """Each row's plan: an opportunity is the same as an existing one of its team with the same contact and
    normalised name."""
    plans = [_opportunity_row(row, _values(mapping, cells), catalogue) for row, cells in rows]
    seen: dict[tuple, int] = {}
    for plan in plans:
        if plan.problems:
            continue
        key = (plan.team_id, plan.contact_id, name_key(plan.name))
        if key in seen:
            plan.problems.append(f"same opportunity as row {seen[key]}, which is imported instead")
            continue
        seen[key] = plan.row
        if key in catalogue.opportunities:
            plan.match_id, plan.match_reason = catalogue.opportunities[key], "same contact and name"
    return plans


def rows_plan(
    *, kind: str, rows: list[tuple[int, list[str]]], mapping: list[str], default_kind: str, catalogue: Catalogue
) -> list[RowPlan]:
    """The plan of every row of an import of this kind."""
    if kind == OPPORTUNITIES:
        return list(opportunities_plan(rows=rows, mapping=mapping, catalogue=catalogue))
    return list(contacts_plan(rows=rows, mapping=mapping, default_kind=default_kind, catalogue=catalogue))
