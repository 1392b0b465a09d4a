"""The header search: contacts by name, email and phone, opportunities by name, and invoices, credit notes and
quotes by number (each leading to its contact), all within what the user may see.

Everything starts from `contacts.selectors.contacts_visible_to`: a document or opportunity shows only when its
contact is visible (and an opportunity only when its own team is too). Archived contacts are shown, marked, after
the active ones of the same rank: their invoices still need finding. Results carry no amounts at all (the hits
below have no money fields), so a user without the money permission sees none here either.

On PostgreSQL names are matched by substring and, when that finds too few and three or more letters were typed,
by pg_trgm word similarity (so "Coperfield" finds "Copperfield Books"), both served by the GIN indexes of
search/migrations/0001; email addresses are looked for one rank at a time with the indexes of 0002 as well.
SQLite (`make demo`) has no pg_trgm: `trigram=False` matches substrings only. Ranking is the same on both:
exact, then prefix, then a word's prefix, then anywhere in the text, then merely similar (ranking.py).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)

from accounts.models import User
from contacts.matching import phone_key
from contacts.models import Contact, EmailAddress, PhoneNumber
from contacts.selectors import contacts_visible_to
from invoices.models import Invoice, Quote
from opportunities.models import Opportunity
from opportunities.selectors import opportunities_visible_to
from opportunities.services import REFERENCE_PATTERN
from search.ranking import MIN_SIMILAR_LENGTH, Rank, name_match_rows, rank_conditions, rank_of

MIN_QUERY_LENGTH = 2
MIN_PHONE_DIGITS = 3
MAX_QUERY_LENGTH = 100
# A query made only of digits and the usual separators may be (part of) a phone number.
PHONE_LIKE = re.compile(r"\+?[\d\s().\-/]+")
DOCUMENT_KINDS = {
    Invoice.Type.ACCREC: "Invoice",
    Invoice.Type.ACCPAY: "Bill",
    Invoice.Type.ACCRECCREDIT: "Credit note",
    Invoice.Type.ACCPAYCREDIT: "Supplier credit note",
}


@dataclass(frozen=True)
class ContactHit:
    contact_id: int
    name: str
    kind_label: str
    organisation_name: str
    matched: str  # the email address or phone number that matched ("" when the name did)
    archived: bool
    rank: Rank


@dataclass(frozen=True)
class OpportunityHit:
    opportunity_id: int
    name: str
    contact_name: str
    stage: str  # the milestone while open, else "Won" or "Lost"
    rank: Rank


@dataclass(frozen=True)
class DocumentHit:
    """An invoice, credit note or quote found by its number; it leads to its contact's page."""

    number: str
    kind_label: str
    status_label: str
    issued_on: date | None
    contact_id: int
    contact_name: str
    organisation_name: str  # the Xero organisation it is in: two organisations can each have an INV-0003
    archived: bool  # its contact is archived
    rank: Rank


@dataclass(frozen=True)
class SearchResults:
    query: str
    contacts: list[ContactHit]
    opportunities: list[OpportunityHit]
    documents: list[DocumentHit]

    @property
    def searched(self) -> bool:
        """False when the query was too short to search."""
        return len(self.query) >= MIN_QUERY_LENGTH

    @property
    def found(self) -> bool:
        return bool(self.contacts or self.opportunities or self.documents)


class Digits(Func):
    """A text's digits only, so "020 7946-0101" is compared as "02079460101".

    PostgreSQL's spelling is exactly the phone index's expression (search/migrations/0001); SQLite has no
    regexp_replace, so there the usual separators are stripped instead.
    """

    template = "REGEXP_REPLACE(%(expressions)s, '[^0-9]', '', 'g')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        for separator in " -()+./":
            sql = f"REPLACE({sql}, '{separator}', '')"
        return sql, params


def search_results(*, user: User, query: str, limit: int, trigram: bool | None = None) -> SearchResults:
    """Up to `limit` contacts, opportunities and documents (invoices, credit notes, quotes) the user may see that
    match `query`, each list best match first. A query shorter than MIN_QUERY_LENGTH finds nothing.

    `trigram` chooses pg_trgm similarity (PostgreSQL) or the plain substring fallback; by default, whichever the
    database supports. Nine queries at most, whatever the number of records: names, one to four for emails (one
    per rank, until enough are found), phones, opportunities, invoices and quotes (similar names are looked for
    only in queries without digits, and phones and documents only in queries with some).
    """
    # Control and format characters (NUL, which PostgreSQL refuses; bidi overrides) are dropped, spaces collapsed.
    query = " ".join("".join(c for c in query if not unicodedata.category(c).startswith("C")).split())
    query = query[:MAX_QUERY_LENGTH]
    if len(query) < MIN_QUERY_LENGTH:
        return SearchResults(query=query, contacts=[], opportunities=[], documents=[])
    if trigram is None:
        trigram = connection.vendor == "postgresql"
    visible = contacts_visible_to(user=user)
    return SearchResults(
        query=query,
        contacts=contact_hits(visible=visible, query=query, limit=limit, trigram=trigram),
        opportunities=opportunity_hits(user=user, visible=visible, query=query, limit=limit, trigram=trigram),
        documents=document_hits(visible=visible, query=query, limit=limit),
    )


def phone_needle(query: str) -> str:
    """The digits to look for in phone numbers, or "" when the query is not phone-like.

    A whole number is reduced like the sync's matching does (contacts.matching.phone_key: its last digits), so
    "+44 20 7946 0101" finds "020 7946 0101"; a fragment is looked for as typed, separators aside.
    """
    if not PHONE_LIKE.fullmatch(query):
        return ""
    digits = re.sub(r"\D", "", query)
    if len(digits) < MIN_PHONE_DIGITS:
        return ""
    return phone_key(query) or digits


def email_match_rows(
    visible: QuerySet[Contact], *, query: str, fields: tuple[str, ...], then_by: tuple, limit: int
) -> list[tuple]:
    """Up to `limit` rows (`fields`, then rank and similarity) of visible contacts with an address containing the
    query, best first: a contact ranks by its best address (a word starts after "@" or "."), shown as `matched`.

    One query per rank, best first, stopping once `limit` contacts are found (at most four queries): each one
    walks the contacts in `then_by` order (the index of search/migrations/0002) and stops at `limit`, so a
    fragment in thousands of addresses ("accounts8", "example.com") costs no more than a rare one. Ranking all
    the matching addresses in one query read and sorted every one of them (11,111 for "accounts8" at 100,000
    contacts).
    """
    rows: list[tuple] = []
    for rank, condition in rank_conditions("address", query, word_starts="@."):
        matching = EmailAddress.objects.filter(condition, contact=OuterRef("pk"))
        # Contacts with a better address were all found by the queries before (else the loop has stopped).
        found = [row[0] for row in rows]
        rows += (
            visible.filter(Exists(matching))
            .exclude(pk__in=found)
            .annotate(
                matched=Subquery(matching.order_by("pk").values("address")[:1]),
                rank=Value(rank),
                similarity=Value(1.0),
            )
            .order_by(*then_by)
            .values_list(*fields, "rank", "similarity")[: limit - len(rows)]
        )
        if len(rows) >= limit:
            break
    return rows


def contact_hits(*, visible: QuerySet[Contact], query: str, limit: int, trigram: bool) -> list[ContactHit]:
    """Visible contacts matching by name, email or phone: a query (or two) each, merged keeping each contact's
    best rank; archived contacts come after the active ones of the same rank."""
    fields = ("pk", "name", "kind", "organisation__name", "archived_at", "matched")
    then_by = (F("archived_at").asc(nulls_first=True), "name", "pk")
    rows = name_match_rows(
        visible.annotate(matched=Value("")), query=query, trigram=trigram, fields=fields, then_by=then_by, limit=limit
    )

    rows += email_match_rows(visible, query=query, fields=fields, then_by=then_by, limit=limit)

    needle = phone_needle(query)
    if needle:
        phones = PhoneNumber.objects.alias(digits=Digits("number")).filter(digits__contains=needle)
        by_phone = visible.filter(pk__in=phones.values("contact_id")).annotate(
            matched=Subquery(phones.filter(contact=OuterRef("pk")).order_by("pk").values("number")[:1]),
            rank=Value(Rank.CONTAINS),
            similarity=Value(1.0),
        )
        rows += by_phone.order_by(*then_by).values_list(*fields, "rank", "similarity")[:limit]

    best: dict[int, tuple] = {}
    for row in rows:
        if row[0] not in best or row[6] < best[row[0]][6]:
            best[row[0]] = row
    ordered = sorted(best.values(), key=lambda row: (row[6], row[4] is not None, -row[7], row[1].lower(), row[0]))
    return [
        ContactHit(
            contact_id=pk,
            name=name,
            kind_label=Contact.Kind(kind).label,
            organisation_name=org or "",
            matched=matched,
            archived=archived_at is not None,
            rank=Rank(rank),
        )
        for pk, name, kind, org, archived_at, matched, rank, _similarity in ordered[:limit]
    ]


def opportunity_hits(
    *, user: User, visible: QuerySet[Contact], query: str, limit: int, trigram: bool
) -> list[OpportunityHit]:
    """Visible opportunities (of a visible contact) whose name matches; open ones first within a rank. A query that
    is an opportunity's Xero reference ("OPP-42", or an instalment's "OPP-42-3", as its quotes and invoices carry
    it) finds that opportunity instead, in the same one query."""
    opportunities = (
        opportunities_visible_to(user=user)
        .filter(contact__in=visible)
        .annotate(closed=Case(When(outcome=Opportunity.Outcome.OPEN, then=Value(0)), default=Value(1)))
    )
    fields = ("pk", "name", "contact__name", "outcome", "milestone__name")
    if referenced := REFERENCE_PATTERN.fullmatch(query):
        found = (
            opportunities.filter(pk=int(referenced.group(1)))
            .annotate(rank=Value(Rank.EXACT), similarity=Value(1.0))
            .values_list(*fields, "rank", "similarity")
        )
    else:
        found = name_match_rows(
            opportunities, query=query, trigram=trigram, limit=limit, then_by=("closed", "name", "pk"), fields=fields
        )
    return [
        OpportunityHit(
            opportunity_id=pk,
            name=name,
            contact_name=contact_name,
            rank=Rank(rank),
            stage=milestone if outcome == Opportunity.Outcome.OPEN else Opportunity.Outcome(outcome).label,
        )
        for pk, name, contact_name, outcome, milestone, rank, _similarity in found
    ]


def document_hits(*, visible: QuerySet[Contact], query: str, limit: int) -> list[DocumentHit]:
    """Invoices, credit notes and quotes of visible contacts whose number matches, newest first within a rank.

    Only a query holding a digit and MIN_SIMILAR_LENGTH characters is looked for: document numbers carry digits,
    and "INV" alone would match every invoice.
    """
    if len(query) < MIN_SIMILAR_LENGTH or not any(character.isdigit() for character in query):
        return []
    order = ("rank", F("issued_on").desc(nulls_last=True), "-pk")
    common = (
        "number",
        "status",
        "issued_on",
        "contact_id",
        "contact__name",
        "organisation__name",
        "contact__archived_at",
        "rank",
    )
    invoices = (
        Invoice.objects.filter(contact__in=visible, number__icontains=query)
        .annotate(rank=rank_of("number", query))
        .order_by(*order)
        .values_list("type", *common)[:limit]
    )
    quotes = (
        Quote.objects.filter(contact__in=visible, number__icontains=query)
        .annotate(rank=rank_of("number", query))
        .order_by(*order)
        .values_list(*common)[:limit]
    )
    hits = [
        DocumentHit(
            number=number,
            kind_label=DOCUMENT_KINDS.get(type_, "Invoice"),
            status_label=Invoice.Status(status).label,
            issued_on=issued_on,
            contact_id=contact_id,
            contact_name=contact_name,
            organisation_name=organisation_name,
            archived=archived_at is not None,
            rank=Rank(rank),
        )
        for type_, number, status, issued_on, contact_id, contact_name, organisation_name, archived_at, rank in invoices
    ] + [
        DocumentHit(
            number=number,
            kind_label="Quote",
            status_label=Quote.Status(status).label,
            issued_on=issued_on,
            contact_id=contact_id,
            contact_name=contact_name,
            organisation_name=organisation_name,
            archived=archived_at is not None,
            rank=Rank(rank),
        )
        for number, status, issued_on, contact_id, contact_name, organisation_name, archived_at, rank in quotes
    ]
    hits.sort(key=lambda hit: (hit.rank, -(hit.issued_on or date.min).toordinal(), hit.number))
    return hits[:limit]
