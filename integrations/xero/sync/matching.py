"""Deciding which CRM contact a paying Xero contact is (pure functions, no I/O).

Evidence, strongest first: Capsync's own ContactNumber ("CAPSYNC-<CRM contact id>", set on every contact Capsync
creates in Xero, so it survives an unlink and a relink and tells Capsync's contacts from ones made by hand); the
same email address; the same normalised name (case, punctuation, "&"/"and"
and legal suffixes such as Ltd, Limited, Inc, LLC, Pty ignored); then the same phone number or postcode,
which is shown beside the candidates but never decides on its own. The rule:

- a ContactNumber naming a CRM contact that is not linked in this organisation yet: link it;
- one CRM contact with the same email: link it;
- one organisation with the same name (and no other candidate): link it;
- one person with the same name, backed by the same phone or postcode: link it;
- anything else with candidates (several of them, a person matched on name alone, or a candidate already
  linked to another Xero contact): a conflict for an admin;
- no candidate at all: create a new CRM contact.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

# The keys are the CRM's (its duplicate warning uses them too); re-exported here for the sync's callers.
from contacts.matching import email_key, name_key, phone_key, postcode_key

__all__ = [
    "Action",
    "Candidate",
    "CrmIndex",
    "Decision",
    "Facts",
    "contact_id_numbered",
    "contact_number_for",
    "match",
    "name_key",
    "phone_key",
    "postcode_key",
]

CONTACT_NUMBER_PREFIX = "CAPSYNC-"


def contact_number_for(contact_id: int) -> str:
    """The ContactNumber Capsync gives the Xero contacts it creates for a CRM contact."""
    return f"{CONTACT_NUMBER_PREFIX}{contact_id}"


def contact_id_numbered(contact_number: str) -> int | None:
    """The CRM contact id a ContactNumber made by `contact_number_for` names, or None for any other number."""
    number = contact_number.strip().upper()
    digits = number.removeprefix(CONTACT_NUMBER_PREFIX)
    return int(digits) if number.startswith(CONTACT_NUMBER_PREFIX) and digits.isdigit() and digits.isascii() else None


@dataclass(frozen=True)
class Facts:
    """What is compared, for a Xero contact or a CRM contact."""

    name: str
    is_person: bool
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    postcodes: frozenset[str] = frozenset()
    contact_number: str = ""

    @classmethod
    def of(
        cls,
        *,
        name: str,
        is_person: bool,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        postcodes: Iterable[str] = (),
        contact_number: str = "",
    ) -> "Facts":
        return cls(
            name=name,
            is_person=is_person,
            contact_number=contact_number,
            emails=frozenset(key for key in map(email_key, emails) if key),
            phones=frozenset(key for key in map(phone_key, phones) if key),
            postcodes=frozenset(key for key in map(postcode_key, postcodes) if key),
        )


@dataclass
class CrmIndex:
    """The CRM's contacts, indexed by email, name and phone, built once per sync run."""

    by_email: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_name: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    facts: dict[int, Facts] = field(default_factory=dict)
    linked: set[int] = field(default_factory=set)

    def add(self, contact_id: int, facts: Facts, *, already_linked: bool = False) -> None:
        self.facts[contact_id] = facts
        for email in facts.emails:
            self.by_email[email].add(contact_id)
        key = name_key(facts.name)
        if key:
            self.by_name[key].add(contact_id)
        if already_linked:
            self.linked.add(contact_id)


class Action(StrEnum):
    LINK = "link"
    CREATE = "create"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Candidate:
    contact_id: int
    score: int
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    action: Action
    contact_id: int | None = None
    candidates: tuple[Candidate, ...] = ()


def _candidate(contact_id: int, xero: Facts, crm: Facts) -> Candidate:
    evidence, score = [], 0
    if xero.emails & crm.emails:
        evidence.append("same email")
        score += 100
    if name_key(xero.name) and name_key(xero.name) == name_key(crm.name):
        evidence.append("same name")
        score += 60
    if xero.phones & crm.phones:
        evidence.append("same phone")
        score += 25
    if xero.postcodes & crm.postcodes:
        evidence.append("same postcode")
        score += 15
    return Candidate(contact_id=contact_id, score=score, evidence=tuple(evidence))


def match(xero: Facts, index: CrmIndex) -> Decision:
    """Decide whether the Xero contact links to a CRM contact, needs an admin, or becomes a new contact."""
    numbered = contact_id_numbered(xero.contact_number)
    if numbered is not None and numbered in index.facts and numbered not in index.linked:
        return Decision(
            action=Action.LINK,
            contact_id=numbered,
            candidates=(Candidate(contact_id=numbered, score=1000, evidence=("Capsync's number",)),),
        )
    by_email = set().union(*(index.by_email.get(email, set()) for email in xero.emails)) if xero.emails else set()
    by_name = index.by_name.get(name_key(xero.name), set())
    found = by_email | by_name
    if not found:
        return Decision(action=Action.CREATE)
    candidates = tuple(
        sorted(
            (_candidate(contact_id, xero, index.facts[contact_id]) for contact_id in found),
            key=lambda candidate: (-candidate.score, candidate.contact_id),
        )
    )
    if len(candidates) == 1 and candidates[0].contact_id not in index.linked:
        only = candidates[0]
        crm = index.facts[only.contact_id]
        backed = "same phone" in only.evidence or "same postcode" in only.evidence
        if "same email" in only.evidence or not crm.is_person or backed:
            return Decision(action=Action.LINK, contact_id=only.contact_id, candidates=candidates)
    if len(by_email) == 1 and not (by_email & index.linked) and len(candidates) > 1:
        # The email identifies one contact; others share only the name: the email wins.
        (contact_id,) = by_email
        return Decision(action=Action.LINK, contact_id=contact_id, candidates=candidates)
    return Decision(action=Action.CONFLICT, candidates=candidates)
