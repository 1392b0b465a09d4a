"""How well a text matches a search: the ranks, what each asks of a field, and names matched by substring, then
by pg_trgm word similarity when too few are found (search.selectors uses them for every kind of hit)."""

import re
from enum import IntEnum

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Upper

MIN_SIMILAR_LENGTH = 3  # a trigram needs three letters; shorter queries match substrings only
WORDS_ONLY = re.compile(r"[^\W\d_]+(?:[\s'&.-]+[^\W\d_]+)*")  # letters, with spaces, hyphens and the like


class Rank(IntEnum):
    """How well a hit matches, best first."""

    EXACT = 0
    PREFIX = 1
    WORD_PREFIX = 2
    CONTAINS = 3
    SIMILAR = 4


def rank_conditions(field: str, query: str, *, word_starts: str = " ") -> list[tuple[Rank, Q]]:
    """What each rank but SIMILAR asks of a text field, best first; a word starts after any of `word_starts`.

    A word's prefix also asks for the plain substring, which the word starts imply: PostgreSQL then finds it with one
    trigram index scan rather than one per word start, each reading the lists of word-start trigrams (" ac") that
    nearly every text holds (a third of the buffers for an email fragment found nowhere, at 100,000 addresses).
    """
    contains = Q(**{f"{field}__icontains": query})
    after_word_start = Q()
    for separator in word_starts:
        after_word_start |= Q(**{f"{field}__icontains": separator + query})
    return [
        (Rank.EXACT, Q(**{f"{field}__iexact": query})),
        (Rank.PREFIX, Q(**{f"{field}__istartswith": query})),
        (Rank.WORD_PREFIX, contains & after_word_start),
        (Rank.CONTAINS, contains),
    ]


def rank_of(field: str, query: str) -> Case:
    """Rank of a text field against the query (exact, prefix, a word's prefix, anywhere, else merely similar)."""
    return Case(
        *(When(condition, then=Value(rank)) for rank, condition in rank_conditions(field, query)),
        default=Value(Rank.SIMILAR),
        output_field=IntegerField(),
    )


def similarity_allowed(query: str, *, trigram: bool) -> bool:
    """Whether to look for names merely similar to the query: only with pg_trgm, and only for words (three
    letters or more, no digits or "@"); numbers and email fragments are typed exactly, or not found."""
    return trigram and len(query) >= MIN_SIMILAR_LENGTH and bool(WORDS_ONLY.fullmatch(query))


def name_match_rows(
    records: QuerySet, *, query: str, trigram: bool, fields: tuple[str, ...], then_by: tuple, limit: int
) -> list[tuple]:
    """Up to `limit` rows (`fields`, then rank and similarity) of `records` whose name contains the query, best
    first; when fewer than `limit` do and `similarity_allowed`, followed by names with a word merely similar to it
    (pg_trgm's `%>`, so "Coperfield" finds "Copperfield Books"), most similar first.

    The similar names are a second query, run only when needed: PostgreSQL underrates `%>`'s cost and scans the
    whole table with it when it is OR-ed with the substring match, several times slower than the index.
    """
    rows = list(
        records.filter(name__icontains=query)
        .annotate(rank=rank_of("name", query), similarity=Value(1.0))
        .order_by("rank", *then_by)
        .values_list(*fields, "rank", "similarity")[:limit]
    )
    if len(rows) < limit and similarity_allowed(query, trigram=trigram):
        similar = (
            # Upper(name) is the indexed expression; pg_trgm ignores case anyway.
            records.alias(upper_name=Upper("name"))
            .filter(upper_name__trigram_word_similar=query)
            .exclude(name__icontains=query)
            .annotate(rank=Value(Rank.SIMILAR), similarity=TrigramWordSimilarity(Value(query), Upper("name")))
            .order_by("-similarity", *then_by)
            .values_list(*fields, "rank", "similarity")[: limit - len(rows)]
        )
        rows += similar
    return rows
