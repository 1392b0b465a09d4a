"""How the CRM recognises the same contact twice (pure functions, no I/O).

Both the app's duplicate warning (contacts.selectors.contact_duplicates) and the Xero sync's matching
(integrations.xero.sync.matching) compare contacts through these keys, so they agree on what "the same" means.
"""

import re
import unicodedata

LEGAL_SUFFIXES = {
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "plc",
    "pty",
    "pte",
    "gmbh",
    "corp",
    "corporation",
    "company",
    "nz",
    "uk",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")
PHONE_DIGITS_COMPARED = 9


def name_key(name: str) -> str:
    """A name reduced to what identifies it: "Copperfield Books Limited" and "copperfield books ltd." agree."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace("&", " and ")
    words = [word for word in _NON_WORD.split(text) if word]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def phone_key(number: str) -> str:
    """The last digits of a phone number, so "020 7946 0000" and "+44 20 7946 0000" agree ("" when too short)."""
    digits = re.sub(r"\D", "", number)
    return digits[-PHONE_DIGITS_COMPARED:] if len(digits) >= 7 else ""


def postcode_key(postcode: str) -> str:
    return re.sub(r"\s+", "", postcode).upper()


def email_key(address: str) -> str:
    """An email address as compared: trimmed and lower-cased."""
    return address.strip().lower()
