from hypothesis import given
from hypothesis import strategies as st

from integrations.xero.sync.matching import (
    Action,
    CrmIndex,
    Facts,
    contact_id_numbered,
    contact_number_for,
    match,
    name_key,
    phone_key,
)


def _index(*contacts: tuple[int, Facts], linked: tuple[int, ...] = ()) -> CrmIndex:
    index = CrmIndex()
    for contact_id, facts in contacts:
        index.add(contact_id, facts, already_linked=contact_id in linked)
    return index


def org(name: str, **kw) -> Facts:
    return Facts.of(name=name, is_person=False, **kw)


def person(name: str, **kw) -> Facts:
    return Facts.of(name=name, is_person=True, **kw)


def test_legal_suffixes_case_and_punctuation_do_not_matter():
    assert name_key("Copperfield Books Limited") == name_key("copperfield books ltd.") == "copperfield books"


def test_ampersand_and_and_are_the_same():
    assert name_key("Smith & Co") == name_key("Smith and Co Ltd")


def test_a_name_that_is_only_a_suffix_is_kept():
    assert name_key("Limited") == "limited"


def test_phone_numbers_agree_with_or_without_country_code():
    assert phone_key("020 7946 0000") == phone_key("+44 20 7946 0000")


@given(st.text())
def test_name_key_is_idempotent(name):
    assert name_key(name_key(name)) == name_key(name)


def test_the_same_email_links_even_with_another_name():
    index = _index((1, org("Greenleaf Gardens", emails=["accounts@greenleaf.example"])))

    decision = match(org("Greenleaf Gardens (Billing)", emails=["Accounts@Greenleaf.example"]), index)

    assert (decision.action, decision.contact_id) == (Action.LINK, 1)


def test_one_organisation_with_the_same_normalised_name_links():
    index = _index((7, org("Copperfield Books Ltd")))

    decision = match(org("Copperfield Books Limited"), index)

    assert (decision.action, decision.contact_id) == (Action.LINK, 7)


def test_two_organisations_with_the_same_name_are_a_conflict_with_evidence():
    index = _index((1, org("Smith & Co", phones=["020 7946 0000"])), (2, org("Smith and Co Ltd")))

    decision = match(org("Smith & Co", phones=["+44 20 7946 0000"]), index)

    assert decision.action == Action.CONFLICT
    assert [(c.contact_id, c.evidence) for c in decision.candidates] == [
        (1, ("same name", "same phone")),
        (2, ("same name",)),
    ]


def test_a_person_matched_on_name_alone_is_a_conflict():
    index = _index((3, person("Jordan Lee")))

    decision = match(person("Jordan Lee"), index)

    assert decision.action == Action.CONFLICT


def test_a_person_matched_on_name_and_phone_links():
    index = _index((3, person("Jordan Lee", phones=["07700 900123"])))

    decision = match(person("Jordan Lee", phones=["+44 7700 900123"]), index)

    assert (decision.action, decision.contact_id) == (Action.LINK, 3)


def test_a_unique_email_wins_over_namesakes():
    index = _index((1, person("Jordan Lee", emails=["jordan@acme.example"])), (2, person("Jordan Lee")))

    decision = match(person("Jordan Lee", emails=["jordan@acme.example"]), index)

    assert (decision.action, decision.contact_id) == (Action.LINK, 1)


def test_a_candidate_already_linked_elsewhere_is_never_linked_twice():
    index = _index((1, org("Acme Widgets Ltd", emails=["a@acme.example"])), linked=(1,))

    decision = match(org("Acme Widgets", emails=["a@acme.example"]), index)

    assert decision.action == Action.CONFLICT


def test_no_candidate_means_a_new_contact():
    index = _index((1, org("Acme Widgets Ltd")))

    decision = match(org("Quayside Events LLP"), index)

    assert decision == type(decision)(action=Action.CREATE)


def test_capsyncs_contact_number_links_first_whatever_the_name_and_email():
    index = _index((1, org("Bluebell Bakery", emails=["orders@bluebell.example"])), (2, org("Bluebell Bakehouse")))

    decision = match(org("Bluebell Bakehouse", contact_number="CAPSYNC-1"), index)

    assert (decision.action, decision.contact_id) == (Action.LINK, 1)


def test_a_contact_number_made_by_hand_is_not_capsyncs():
    index = _index((1, org("Bluebell Bakery")))

    decision = match(org("Corner Shop", contact_number="CUST-1"), index)

    assert decision.action == Action.CREATE


def test_capsyncs_number_for_a_contact_linked_elsewhere_falls_back_to_the_rules():
    index = _index((1, org("Bluebell Bakery")), linked=(1,))

    decision = match(org("Corner Shop", contact_number="CAPSYNC-1"), index)

    assert decision.action == Action.CREATE


@given(st.integers(min_value=1, max_value=10**12))
def test_capsyncs_number_names_its_contact_back(contact_id):
    assert contact_id_numbered(contact_number_for(contact_id)) == contact_id


@given(st.text(max_size=20))
def test_a_number_without_capsyncs_prefix_names_no_contact(number):
    if not number.strip().upper().startswith("CAPSYNC-"):
        assert contact_id_numbered(number) is None
