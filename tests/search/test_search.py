"""The header search (issue 15): what it finds, in what order, for whom, in how many queries, on PostgreSQL with
pg_trgm and through the plain substring fallback that SQLite (`make demo`) uses."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from contacts.models import PhoneNumber
from opportunities.models import Opportunity
from search.ranking import Rank
from search.selectors import phone_needle, search_results
from tests.factories import (
    EmailAddressFactory,
    InvoiceFactory,
    LedgerOrganisationFactory,
    OpportunityFactory,
    OrganisationFactory,
    PersonFactory,
    QuoteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
BOTH_PATHS = pytest.mark.parametrize("trigram", [True, False], ids=["pg_trgm", "substring fallback"])


def names(hits) -> list[str]:
    return [getattr(hit, "number", None) or hit.name for hit in hits]


@BOTH_PATHS
def test_it_finds_contacts_by_name_email_and_phone(member, team_a, trigram):
    bakery = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    oliver = PersonFactory(team=team_a, first_name="Oliver", last_name="Brown", organisation=bakery)
    EmailAddressFactory(contact=oliver, address="oliver@bluebell.example")
    PhoneNumber.objects.create(contact=bakery, number="01225 000 123")

    by_name = search_results(user=member, query="bakery", limit=5, trigram=trigram).contacts
    by_email = search_results(user=member, query="oliver@blue", limit=5, trigram=trigram).contacts
    by_phone = search_results(user=member, query="01225-000123", limit=5, trigram=trigram).contacts
    by_fragment = search_results(user=member, query="000 12", limit=5, trigram=trigram).contacts

    assert names(by_name) == ["Bluebell Bakery"]
    assert [(hit.name, hit.matched, hit.organisation_name) for hit in by_email] == [
        ("Oliver Brown", "oliver@bluebell.example", "Bluebell Bakery")
    ]
    assert [(hit.name, hit.matched) for hit in by_phone] == [("Bluebell Bakery", "01225 000 123")]
    assert names(by_fragment) == ["Bluebell Bakery"]


def test_a_whole_international_number_finds_the_national_one(member, team_a):
    PhoneNumber.objects.create(contact=OrganisationFactory(team=team_a, name="Smith & Co"), number="020 7946 0000")

    found = search_results(user=member, query="+44 20 7946 0000", limit=5).contacts

    assert names(found) == ["Smith & Co"]
    assert phone_needle("+44 20 7946 0000") == "079460000"  # the sync's matching key: the last nine digits
    assert phone_needle("Acme 2026") == ""  # letters: not a phone number
    assert phone_needle("12") == ""


@BOTH_PATHS
def test_it_finds_opportunities_by_name_and_documents_by_number_leading_to_their_contact(member, team_a, trigram):
    acme = OrganisationFactory(team=team_a, name="Acme Ltd")
    OpportunityFactory(contact=acme, name="Ovens for the new shop", milestone__name="Proposal")
    OpportunityFactory(contact=acme, name="Ovens, first round", outcome=Opportunity.Outcome.LOST)
    InvoiceFactory(contact=acme, number="INV-0042")
    InvoiceFactory(contact=acme, number="CN-0042", kind="credit_note", type="ACCRECCREDIT", amount_due=Decimal(0))
    QuoteFactory(contact=acme, number="QU-0042", issued_on=date(2026, 4, 1))

    opportunities = search_results(user=member, query="ovens", limit=5, trigram=trigram).opportunities
    documents = search_results(user=member, query="0042", limit=5, trigram=trigram).documents

    assert [(hit.name, hit.stage, hit.contact_name) for hit in opportunities] == [
        ("Ovens for the new shop", "Proposal", "Acme Ltd"),
        ("Ovens, first round", "Lost", "Acme Ltd"),
    ]
    assert [(hit.number, hit.kind_label, hit.contact_id) for hit in documents] == [
        ("QU-0042", "Quote", acme.pk),
        ("CN-0042", "Credit note", acme.pk),
        ("INV-0042", "Invoice", acme.pk),
    ]


def test_the_same_number_in_two_organisations_says_which_is_which(member_client, team_a):
    acme = OrganisationFactory(team=team_a, name="Acme Ltd")
    InvoiceFactory(contact=acme, number="INV-0003", organisation=LedgerOrganisationFactory(name="Demo Company (UK)"))
    InvoiceFactory(contact=acme, number="INV-0003", organisation=LedgerOrganisationFactory(name="Demo Company (NZ)"))

    page = member_client.get(reverse("search:results"), {"q": "INV-0003"}).text

    assert "Acme Ltd · Demo Company (UK)" in page
    assert "Acme Ltd · Demo Company (NZ)" in page


@BOTH_PATHS
def test_an_opportunitys_xero_reference_finds_it_for_those_who_may_see_it(member, team_a, team_b, trigram):
    sale = OpportunityFactory(contact=OrganisationFactory(team=team_a, name="Bluebell Bakery"), name="Shop fit-out")
    hidden = OpportunityFactory(contact=OrganisationFactory(team=team_b), name="Another team's sale")

    def found(query: str) -> list[tuple[str, str]]:
        hits = search_results(user=member, query=query, limit=5, trigram=trigram).opportunities
        return [(hit.name, hit.contact_name) for hit in hits]

    assert found(f"OPP-{sale.pk}") == [("Shop fit-out", "Bluebell Bakery")]
    assert found(f" opp-{sale.pk}-2 ") == [("Shop fit-out", "Bluebell Bakery")]  # an instalment's invoice
    assert found(f"OPP-{hidden.pk}") == []


@BOTH_PATHS
def test_exact_and_prefix_matches_come_first(member, team_a, trigram):
    for name in ["The Big Acme", "Acmeville Stores", "Acme", "Notacme Ltd", "Acme Holdings"]:
        OrganisationFactory(team=team_a, name=name)
    EmailAddressFactory(contact=OrganisationFactory(team=team_a, name="Zed Ltd"), address="acme@zed.example")
    EmailAddressFactory(contact=OrganisationFactory(team=team_a, name="Wright & Co"), address="hw@acme.example")
    for number in ["INV-1000", "INV-10001", "XINV-1000"]:
        InvoiceFactory(contact__team=team_a, number=number)

    results = search_results(user=member, query="acme", limit=10, trigram=trigram)
    documents = search_results(user=member, query="inv-1000", limit=10, trigram=trigram).documents

    assert names(results.contacts) == [
        "Acme",
        "Acme Holdings",
        "Acmeville Stores",
        "Zed Ltd",
        "The Big Acme",
        "Wright & Co",
        "Notacme Ltd",
    ]
    assert [hit.rank for hit in results.contacts] == [
        Rank.EXACT,
        Rank.PREFIX,
        Rank.PREFIX,
        Rank.PREFIX,
        Rank.WORD_PREFIX,
        Rank.WORD_PREFIX,
        Rank.CONTAINS,
    ]
    assert names(documents) == ["INV-1000", "INV-10001", "XINV-1000"]


@BOTH_PATHS
def test_a_contact_with_several_matching_emails_is_one_hit_showing_its_best_address(member, team_a, trigram):
    wright = OrganisationFactory(team=team_a, name="Aardvark & Wright")
    EmailAddressFactory(contact=wright, address="hw@acme.example")
    EmailAddressFactory(contact=wright, address="acme.accounts@wright.example")
    EmailAddressFactory(contact=wright, address="acme@wright.example")
    EmailAddressFactory(contact=OrganisationFactory(team=team_a, name="Zed Ltd"), address="zed@acme.example")

    found = search_results(user=member, query="acme", limit=2, trigram=trigram).contacts

    assert [(hit.name, hit.matched, hit.rank) for hit in found] == [
        ("Aardvark & Wright", "acme.accounts@wright.example", Rank.PREFIX),
        ("Zed Ltd", "zed@acme.example", Rank.WORD_PREFIX),
    ]


def test_trigram_similarity_forgives_a_typo_and_the_fallback_does_not(member, team_a):
    OrganisationFactory(team=team_a, name="Copperfield Books")
    OrganisationFactory(team=team_a, name="Copperfeld Stores")
    OrganisationFactory(team=team_a, name="Bluebell Bakery")
    OpportunityFactory(contact__team=team_a, name="Copperfield 2027")

    with_trigrams = search_results(user=member, query="copperfeld", limit=5, trigram=True)
    substring_only = search_results(user=member, query="copperfeld", limit=5, trigram=False)

    assert [(hit.name, hit.rank) for hit in with_trigrams.contacts] == [
        ("Copperfeld Stores", Rank.PREFIX),
        ("Copperfield Books", Rank.SIMILAR),
    ]
    assert [hit.name for hit in with_trigrams.opportunities] == ["Copperfield 2027"]
    assert names(substring_only.contacts) == ["Copperfeld Stores"]
    assert substring_only.opportunities == []


def test_similar_names_are_looked_for_only_when_words_were_typed(member, team_a):
    OrganisationFactory(team=team_a, name="Copperfield 2026 Books")

    assert not search_results(user=member, query="copperfeld 2026", limit=5).found
    assert not search_results(user=member, query="coperfield@", limit=5).found
    assert names(search_results(user=member, query="coperfield", limit=5).contacts) == ["Copperfield 2026 Books"]


@BOTH_PATHS
def test_archived_contacts_are_shown_marked_after_active_ones(member, team_a, trigram):
    archived = OrganisationFactory(team=team_a, name="Acme Old", archived_at=datetime(2026, 1, 1, tzinfo=UTC))
    OrganisationFactory(team=team_a, name="Acme New")
    InvoiceFactory(contact=archived, number="INV-7001")

    contacts = search_results(user=member, query="acme", limit=5, trigram=trigram).contacts
    documents = search_results(user=member, query="INV-7001", limit=5, trigram=trigram).documents

    assert [(hit.name, hit.archived) for hit in contacts] == [("Acme New", False), ("Acme Old", True)]
    assert [(hit.number, hit.archived) for hit in documents] == [("INV-7001", True)]


@BOTH_PATHS
def test_another_teams_records_never_appear(member, team_a, team_b, trigram):
    theirs = OrganisationFactory(team=team_b, name="Acme Rival 2026")
    EmailAddressFactory(contact=theirs, address="acme@rival.example")
    PhoneNumber.objects.create(contact=theirs, number="0117 496 0000")
    OpportunityFactory(contact=theirs, name="Acme Rival 2026 deal")
    InvoiceFactory(contact=theirs, number="ACME-2026")
    QuoteFactory(contact=theirs, number="ACME-Q-2026")
    # A deal of team B on team A's contact is still team B's.
    OpportunityFactory(contact=OrganisationFactory(team=team_a, name="Shared"), team=team_b, name="Acme 2026 secret")
    outsider_results = [
        search_results(user=member, query=query, limit=10, trigram=trigram)
        for query in ("acme", "2026", "rival", "0117 496", "ACME-2026")
    ]

    assert all(not results.found for results in outsider_results)
    admin_view = search_results(
        user=UserFactory(is_staff=True, is_superuser=True), query="acme", limit=10, trigram=trigram
    )
    assert names(admin_view.contacts) == ["Acme Rival 2026"]  # the records are there; the member may not see them


def test_short_queries_and_documents_without_digits_find_nothing(member, team_a):
    InvoiceFactory(contact=OrganisationFactory(team=team_a, name="Ab Ltd"), number="INV-0001")

    assert not search_results(user=member, query="a", limit=5).found
    assert not search_results(user=member, query="  ", limit=5).searched
    assert search_results(user=member, query="inv", limit=5).documents == []
    assert names(search_results(user=member, query="ab", limit=5).contacts) == ["Ab Ltd"]


def test_control_characters_in_the_query_are_dropped(member_client, team_a):
    OrganisationFactory(team=team_a, name="Acme Ltd")

    response = member_client.get(reverse("search:results"), {"q": "ac\x00me\u202e\t"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "Acme Ltd" in response.text


def test_the_query_count_does_not_grow_with_the_hits(member, team_a, django_assert_max_num_queries):
    for number in range(30):
        contact = OrganisationFactory(team=team_a, name=f"Acme 20{number:02d} Ltd")
        EmailAddressFactory(contact=contact, address=f"acme{number}@example.org")
        PhoneNumber.objects.create(contact=contact, number=f"020 7946 20{number:02d}")
        OpportunityFactory(contact=contact, name=f"Acme deal 20{number:02d}")
        InvoiceFactory(contact=contact, number=f"INV-20{number:02d}")
        QuoteFactory(contact=contact, number=f"QU-20{number:02d}")

    # Names, emails (one query per rank: "20" is in one address, so all four run), phones, opportunities, invoices
    # and quotes; no similar names.
    with django_assert_max_num_queries(9):
        results = search_results(user=member, query="20", limit=25)
    with django_assert_max_num_queries(9):
        phone_results = search_results(user=member, query="7946 20", limit=25)

    assert len(results.contacts) == 25
    assert len(results.opportunities) == 25
    assert len(phone_results.contacts) == 25


def test_the_dropdown_is_a_partial_and_the_page_works_without_javascript(
    member_client, team_a, django_assert_max_num_queries
):
    acme = OrganisationFactory(team=team_a, name="Acme Ltd")
    InvoiceFactory(contact=acme, number="INV-0042", sub_total=Decimal("1234.56"))
    QuoteFactory(contact=acme, number="QU-0042", total=Decimal("9876.54"))
    OpportunityFactory(contact=acme, name="Acme 0042 renewal", value=Decimal("5555.00"))
    url = reverse("search:results") + "?q=0042"

    with django_assert_max_num_queries(12):  # the search's nine, the session, the user, the unread count
        dropdown = member_client.get(url, headers={"HX-Request": "true"})
    page = member_client.get(url)

    assert "<html" not in dropdown.text
    assert 'role="search"' in page.text  # the whole page, header box included
    for response in (dropdown, page):
        assert response.status_code == 200
        assert reverse("contacts:detail", args=[acme.pk]) in response.text
        assert "INV-0042" in response.text
        assert "QU-0042" in response.text
        assert "Acme 0042 renewal" in response.text
        for amount in ("1234", "1,234", "9876", "9,876", "5555", "5,555"):
            assert amount not in response.text  # no cash figures in search results
    assert "All results for" in dropdown.text
