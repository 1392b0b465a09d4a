"""Which of a contact's details the CRM may not edit, because another system manages them (say, Xero for a field
group an admin gave it). Other apps register a provider at start-up; the contacts app never imports them.

A provider takes contact ids and answers, per contact, {detail: reason}: the details are LOCKABLE's keys and the
reason is shown beside the read-only field ("Managed in Xero (Acme UK)").
"""

from collections.abc import Callable, Iterable

LOCKABLE = ("name", "emails", "phones", "addresses", "payment_terms", "gets_invoices")

type Locks = dict[str, str]
type LockProvider = Callable[[list[int]], dict[int, Locks]]

_providers: list[LockProvider] = []


def lock_provider_register(provider: LockProvider) -> None:
    """Add a provider (once: registering the same one again does nothing)."""
    if provider not in _providers:
        _providers.append(provider)


def contact_locks(*, contact_ids: Iterable[int]) -> dict[int, Locks]:
    """The locked details of each contact (contacts with none are left out)."""
    ids = list(contact_ids)
    merged: dict[int, Locks] = {}
    for provider in _providers if ids else []:
        for contact_id, locks in provider(ids).items():
            for detail, reason in locks.items():
                merged.setdefault(contact_id, {}).setdefault(detail, reason)
    return merged


def locks_of(contact_id: int | None) -> Locks:
    """One contact's locked details ({} for a contact not saved yet)."""
    return contact_locks(contact_ids=[contact_id]).get(contact_id, {}) if contact_id is not None else {}
