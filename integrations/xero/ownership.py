"""Who owns each field group of a linked contact, per organisation (issue 17): one table of rules, one decision.

An admin picks, per organisation and field group, whether Capsync or Xero wins (`XeroConnection.field_owners`;
a group left out is Capsync's, as before). RULES says, for each group, how the CRM holds it, how Xero holds it
(Capsync's copy, `XeroContact`), what a push writes for it, and how Xero's value is written into the CRM.
`reconcile` compares both with the value they last agreed on (`XeroContact.synced`) and decides, group by group:

| owner | changed in Capsync | changed in Xero | outcome                                                        |
|-------|--------------------|-----------------|----------------------------------------------------------------|
| CRM   | yes                | no              | Capsync's value is sent                                        |
| CRM   | yes                | yes             | Capsync's value is sent; Xero's is recorded (a clash)          |
| CRM   | no                 | yes             | nothing: Xero's edit stands there until Capsync changes it     |
| Xero  | any                | any             | Xero's value is written into Capsync; an edit made in Capsync  |
|       |                    |                 | since the last agreement is recorded (a clash)                 |

A clash is kept in the contact's history (an activity note) and counted on sync health. The tax and account
numbers are Xero's whatever the admin picks: Capsync only shows them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contacts.models import PEOPLE_GETTING_INVOICES_MAX, Contact
from integrations.xero import field_groups, schemas
from integrations.xero.models import XeroConnection, XeroContact

Value = field_groups.Value  # JSON: what `XeroContact.synced` keeps per group


class Owner(StrEnum):
    CRM = "crm"
    XERO = "xero"


class Group(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONES = "phones"
    ADDRESSES = "addresses"
    PERSONS = "persons"
    NUMBERS = "numbers"
    PAYMENT_TERMS = "payment_terms"


MANAGED_IN_XERO = "Managed in Xero ({organisation})"


@dataclass(frozen=True)
class Rule:
    """One field group: how each side holds it, what a push writes for it, how Xero's value enters the CRM.

    `crm` is None when the CRM holds nothing of it (Xero's whatever the admin picks); it returns None when this
    contact has none (an organisation's persons, for a person). `arguments` is None when taking Xero's value is
    not one contact's edit (the persons: persons.py writes them). `locks` are the CRM details (contacts.locks)
    made read-only while Xero owns the group: the linked contact's own, or its people's (`locks_people`).
    """

    group: Group
    label: str
    locks: tuple[str, ...]
    xero: Callable[[XeroContact], Value]
    crm: Callable[[Contact, XeroContact], Value] | None = None
    element: Callable[[Value, Contact], schemas.Record] | None = None
    arguments: Callable[[Value, XeroContact, Contact], dict[str, Any]] | None = None
    locks_people: bool = False


RULES: tuple[Rule, ...] = (
    Rule(
        Group.NAME,
        "Name",
        ("name",),
        xero=lambda link: link.name,
        crm=lambda contact, link: field_groups.crm_name(contact),
        element=field_groups.name_element,
        arguments=field_groups.name_arguments,
    ),
    Rule(
        Group.EMAIL,
        "Email",
        ("emails",),
        xero=lambda link: link.email,
        crm=lambda contact, link: field_groups.crm_email(contact),
        element=lambda value, contact: {"EmailAddress": value},
        arguments=field_groups.email_arguments,
    ),
    Rule(
        Group.PHONES,
        "Phones",
        ("phones",),
        xero=lambda link: {kind: link.phones_by_type.get(kind, "") for kind in ("DEFAULT", "MOBILE")},
        crm=lambda contact, link: field_groups.crm_phones(contact),
        element=field_groups.phones_element,
        arguments=field_groups.phones_arguments,
    ),
    Rule(
        Group.ADDRESSES,
        "Postal and street addresses",
        ("addresses",),
        xero=field_groups.xero_addresses,
        crm=lambda contact, link: field_groups.crm_addresses(contact),
        element=field_groups.addresses_element,
        arguments=field_groups.addresses_arguments,
    ),
    Rule(
        Group.PERSONS,
        "Contact persons (who gets invoices)",
        ("gets_invoices",),
        locks_people=True,
        xero=lambda link: field_groups.persons_sorted(list(link.persons)),
        crm=field_groups.crm_persons,
        element=field_groups.persons_element,
    ),
    Rule(
        Group.NUMBERS,
        "Tax number and account number",
        (),
        xero=lambda link: {"tax_number": link.tax_number, "account_number": link.account_number},
    ),
    Rule(
        Group.PAYMENT_TERMS,
        "Payment terms",
        ("payment_terms",),
        xero=field_groups.xero_terms,
        crm=lambda contact, link: field_groups.crm_terms(contact),
        element=field_groups.terms_element,
        arguments=field_groups.terms_arguments,
    ),
)
RULE_OF = {rule.group: rule for rule in RULES}
CHOOSABLE = tuple(rule for rule in RULES if rule.crm is not None)


def owner_of(connection: XeroConnection, group: Group) -> Owner:
    """Who wins `group` in this organisation: Xero for what the CRM does not hold, else the admin's pick (the
    CRM unless Xero was picked)."""
    if RULE_OF[group].crm is None:
        return Owner.XERO
    return Owner.XERO if connection.field_owners.get(group) == Owner.XERO else Owner.CRM


def contact_locks(contact_ids: list[int]) -> dict[int, dict[str, str]]:
    """contacts.locks' provider: the details of these contacts that Xero manages, because Xero owns their group
    in a connected organisation the contact (or, for an organisation's people, the organisation) is linked in."""
    organisation_of = dict(Contact.objects.filter(pk__in=contact_ids).values_list("pk", "organisation_id"))
    linked = set(contact_ids) | {org for org in organisation_of.values() if org is not None}
    links = (
        XeroContact.objects.filter(
            contact_id__in=linked,
            link_state=XeroContact.LinkState.LINKED,
            connection__status=XeroConnection.Status.CONNECTED,
        )
        .exclude(connection__field_owners={})
        .select_related("connection__organisation")
    )
    locks: dict[int, dict[str, str]] = {}
    for link in links:
        reason = MANAGED_IN_XERO.format(organisation=link.connection.label)
        for rule in CHOOSABLE:
            if owner_of(link.connection, rule.group) != Owner.XERO:
                continue
            holders = (
                [pk for pk, org in organisation_of.items() if org == link.contact_id]
                if rule.locks_people
                else [link.contact_id]
                if link.contact_id in organisation_of
                else []
            )
            for holder in holders:
                for detail in rule.locks:
                    locks.setdefault(holder, {}).setdefault(detail, reason)
    return locks


def owners_validated(picked: dict[str, str]) -> dict[str, str]:
    """The owners to store: only choosable groups, only Xero (the CRM is the default and is left out)."""
    choosable = {rule.group.value for rule in CHOOSABLE}
    return {group: Owner.XERO.value for group, owner in picked.items() if group in choosable and owner == Owner.XERO}


# --- the decision --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """Both sides changed `group` since they last agreed: `kept` won with `kept_value`; `lost_value` is recorded."""

    group: Group
    kept: Owner
    kept_value: Value
    lost_value: Value


@dataclass
class Decision:
    """What reconciling one link decided: the CRM values to send, Xero's values to take into the CRM, the clashes
    to record, and what both sides agree on once that is done."""

    send: dict[Group, Value] = field(default_factory=dict)
    take: dict[Group, Value] = field(default_factory=dict)
    clashes: list[Clash] = field(default_factory=list)
    agreed: dict[str, Value] = field(default_factory=dict)


def reconcile(
    *, connection: XeroConnection, contact: Contact, link: XeroContact, crm_dirty: bool, may_send: bool = True
) -> Decision:
    """Decide each group of this link by the table in this module's docstring.

    `contact` has its emails, phones, addresses and people (with their emails) prefetched; `link` is Capsync's
    copy of the Xero contact as fresh as the caller could read it. A group with no agreed value yet (a link made
    before field ownership) counts Xero's value as agreed when the CRM has an edit not yet sent (`crm_dirty`), so
    that edit is sent, and the CRM's value otherwise, so nothing is sent that the CRM did not change.
    """
    decision = Decision()
    for rule in RULES:
        xero = rule.xero(link)
        crm = rule.crm(contact, link) if rule.crm is not None else None
        if rule.crm is None or crm is None:
            decision.agreed[rule.group] = xero
            continue
        base = link.synced.get(rule.group, xero if crm_dirty else crm)
        if crm == xero:
            decision.agreed[rule.group] = crm
            continue
        crm_edited, xero_edited = crm != base, xero != base
        if owner_of(connection, rule.group) == Owner.XERO:
            decision.take[rule.group] = xero
            decision.agreed[rule.group] = xero
            if crm_edited:
                decision.clashes.append(Clash(rule.group, Owner.XERO, kept_value=xero, lost_value=crm))
        elif crm_edited and may_send:
            decision.send[rule.group] = crm
            decision.agreed[rule.group] = crm
            if xero_edited:
                decision.clashes.append(Clash(rule.group, Owner.CRM, kept_value=crm, lost_value=xero))
        else:
            decision.agreed[rule.group] = base
    return decision


def agreed_at_link(*, link: XeroContact, contact: Contact | None = None) -> dict[str, Value]:
    """What both sides count as agreed when a link is made: the CRM contact's values as they are (so linking
    counts as no edit on the CRM's side), or, for a contact just made from this Xero contact, Xero's."""
    agreed = {}
    for rule in RULES:
        crm = rule.crm(contact, link) if contact is not None and rule.crm is not None else None
        agreed[rule.group.value] = crm if crm is not None else rule.xero(link)
    return agreed


def element_of(*, contact: Contact, xero_id: str, send: dict[Group, Value]) -> schemas.Record:
    """The POST /Contacts element writing `send` (CRM values by group) over Xero contact `xero_id` ("" for a new
    contact)."""
    element: schemas.Record = {"ContactID": xero_id} if xero_id else {}
    for group, value in send.items():
        build = RULE_OF[group].element
        if build is not None:
            element |= build(value, contact)
    return element


def crm_values(*, contact: Contact, link: XeroContact) -> dict[Group, Value]:
    """Every group the CRM holds of this contact (to create it in Xero)."""
    values = {rule.group: rule.crm(contact, link) for rule in RULES if rule.crm is not None}
    return {group: value for group, value in values.items() if value is not None}


def send_refusal(*, contact: Contact, send: dict[Group, Value]) -> str:
    """Why Xero would refuse these values whatever else happens (so nothing is sent), or "". Xero takes at most
    five contact persons, and none while the contact has no email (xero_sandbox/README.md, "Contact persons")."""
    persons = send.get(Group.PERSONS)
    if not persons:
        return ""
    recipients = sum(1 for person in persons if person["include_in_emails"])
    if recipients > PEOPLE_GETTING_INVOICES_MAX:
        return (
            f"{recipients} people of {contact.name} get invoices, and Xero takes at most "
            f"{PEOPLE_GETTING_INVOICES_MAX} contact persons, so nothing was sent: untick some of them."
        )
    email = send.get(Group.EMAIL, contact.primary_email)
    if not email:
        return (
            f"Xero takes contact persons only for a contact with an email of its own, so nothing was sent: give "
            f"{contact.name} an email address."
        )
    return ""


def clash_text(clash: Clash, *, organisation: str) -> str:
    """The history note for a clash: what was kept, and the value that was not."""
    label = RULE_OF[clash.group].label.lower()
    if clash.kept == Owner.CRM:
        return (
            f"Xero sync ({organisation}): {label} was changed both here and in Xero since the last sync. Capsync "
            f"owns it, so Capsync's value was sent to Xero: {_shown(clash.kept_value)}. Xero's value was: "
            f"{_shown(clash.lost_value)}."
        )
    return (
        f"Xero sync ({organisation}): {label} was changed both here and in Xero since the last sync. Xero owns "
        f"it, so Xero's value was taken: {_shown(clash.kept_value)}. The value here was: "
        f"{_shown(clash.lost_value)}."
    )


def _shown(value: Value) -> str:
    if value in (None, "", [], {}):
        return "(empty)"
    if isinstance(value, list):
        return "; ".join(
            f"{p['first_name']} {p['last_name']} <{p['email']}>{' (gets invoices)' if p['include_in_emails'] else ''}"
            for p in value
        )
    if isinstance(value, dict):
        parts = [f"{key.lower().replace('_', ' ')} {_part(part)}" for key, part in value.items() if _part(part)]
        return "; ".join(parts) or "(empty)"
    return str(value)


def _part(part: Value) -> str:
    """One part of a group's value as text: an address's lines and places joined, anything else as it is."""
    if isinstance(part, dict):
        places = [part.get(key, "") for key in ("city", "region", "postal_code", "country")]
        return ", ".join(str(text) for text in [*part.get("lines", []), *places] if text)
    return "" if part is None else str(part)
