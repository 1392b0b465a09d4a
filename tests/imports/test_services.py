from decimal import Decimal

import pytest

from contacts import selectors as contact_selectors
from contacts.matching import name_key
from contacts.models import Address, Contact, EmailAddress, PhoneNumber, Tag
from imports import services
from imports.models import Import
from opportunities.models import Opportunity
from tests.factories import EmailAddressFactory, MilestoneFactory, OrganisationFactory, PersonFactory
from tests.imports.conftest import plans_by_row, run

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Contact, EmailAddress, PhoneNumber, Address, Tag, Opportunity))


def test_capsules_export_is_imported_as_it_is(upload, member, team_a):
    finished = run(upload("capsule_contacts_export.csv"))

    assert (finished.status, finished.created_count, finished.skipped_count) == ("done", 4, 0)
    bakery = Contact.objects.get(name="Bluebell Bakery Ltd")
    assert (bakery.kind, bakery.team, bakery.owner, bakery.about) == (
        "organisation",
        team_a,
        member,
        "Family bakery since 1952",
    )
    assert [(e.address, e.label) for e in bakery.emails.all()] == [("hello@bluebell.example", "work")]
    assert [(a.street, a.city, a.region, a.postcode, a.country) for a in bakery.addresses.all()] == [
        ("1 High Street", "Bath", "Somerset", "BA1 1AA", "United Kingdom")
    ]
    assert sorted(tag.name for tag in bakery.tags.all()) == ["Bakery", "Customer"]
    oliver = Contact.objects.get(name="Oliver Brown")
    assert (oliver.kind, oliver.title, oliver.job_title, oliver.organisation) == ("person", "Mr", "Head baker", bakery)
    assert [(e.address, e.label) for e in oliver.emails.all()] == [
        ("oliver@bluebell.example", "work"),
        ("oliver.brown@home.example", "home"),
    ]
    assert [(p.number, p.label) for p in oliver.phones.all()] == [("07700 900123", "mobile")]
    # Amelia's organisation is not in the file: it is added, as Capsule does, and said in the report.
    amelia = Contact.objects.get(name="Amelia Jones")
    assert amelia.organisation.name == "Copperfield Books"
    assert finished.report["organisations_added_count"] == 1


def test_rerunning_an_import_creates_nothing_new(upload):
    import_ = upload("capsule_contacts_export.csv")
    run(import_)
    before = _counts()

    again = run(Import.objects.get(pk=import_.pk))

    assert _counts() == before
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 4)
    assert again.report["organisations_added_count"] == 0


def test_uploading_the_same_file_again_creates_nothing_new(upload):
    run(upload("capsule_contacts_export.csv"))
    before = _counts()

    second = run(upload("capsule_contacts_export.csv"))

    assert _counts() == before
    assert (second.created_count, second.unchanged_count) == (0, 4)


def test_an_existing_contact_with_the_same_email_is_updated_not_duplicated(upload, team_a):
    oliver = PersonFactory(team=team_a, first_name="Oliver", last_name="Brown", job_title="")
    EmailAddressFactory(contact=oliver, address="OLIVER@bluebell.example")
    PhoneNumber.objects.create(contact=oliver, number="01225 000000", label="home")

    finished = run(upload("capsule_contacts_export.csv"))

    assert finished.updated_count == 1
    assert Contact.objects.filter(name="Oliver Brown").count() == 1
    oliver.refresh_from_db()
    assert oliver.job_title == "Head baker"
    # Nothing the contact had is lost: the file's phone and home email are added to it.
    assert [p.number for p in oliver.phones.all()] == ["01225 000000", "07700 900123"]
    assert [e.address for e in oliver.emails.all()] == ["OLIVER@bluebell.example", "oliver.brown@home.example"]


def test_an_existing_contact_with_the_same_normalised_name_is_updated(upload, team_a):
    bakery = OrganisationFactory(team=team_a, name="bluebell bakery limited")

    finished = run(upload("capsule_contacts_export.csv"))

    assert finished.updated_count == 1
    assert Contact.objects.filter(kind="organisation", name__icontains="bluebell").get() == Contact.objects.get(
        pk=bakery.pk
    )
    assert Contact.objects.get(name="Oliver Brown").organisation_id == bakery.pk


def test_another_teams_contacts_are_neither_matched_nor_changed(upload, team_b):
    theirs = OrganisationFactory(team=team_b, name="Bluebell Bakery Ltd")
    EmailAddressFactory(contact=theirs, address="hello@bluebell.example")

    finished = run(upload("capsule_contacts_export.csv"))

    assert finished.created_count == 4
    assert theirs.emails.count() == 1
    assert not theirs.tags.exists()
    assert Contact.objects.filter(name="Bluebell Bakery Ltd").count() == 2


BAD_ROWS = """Type,First Name,Last Name,Name,Email,Phone,Owner,Team
Person,,,,nobody@example.com,,,
Person,Ada,Lovelace,,not-an-email,,,
Person,Grace,Hopper,,grace@example.com,,ghost@example.com,
Person,Alan,Turing,,alan@example.com,,,Team Nowhere
Robot,Marvin,,,,,,
Person,Linus,T,,ada2@example.com,,,
Person,Ken,T,,ADA2@example.com,,,
Person,Barbara,Liskov,,,,,
Person,Barbara,Liskov,,,,,
Person,Tim,Berners-Lee,,tim@example.com,020 7946 0001,,
Person,Oliver,Brown,,,,,
"""


def test_the_preview_gives_each_bad_rows_problem(upload, team_a):
    existing = OrganisationFactory(team=team_a, name="Existing Phone Ltd")
    PhoneNumber.objects.create(contact=existing, number="+44 20 7946 0001")
    PersonFactory(team=team_a, first_name="Oliver", last_name="Brown")

    plans = plans_by_row(upload(BAD_ROWS))

    assert plans[2].problems == ["missing name"]
    assert plans[3].problems == ["bad email “not-an-email”"]
    assert plans[4].problems == ["unknown owner “ghost@example.com” (not a member of the team)"]
    assert plans[5].problems == ["unknown team “Team Nowhere”"]
    assert plans[6].problems == ["unknown type “Robot” (person or organisation)"]
    assert (plans[7].action, plans[8].problems) == ("create", ["same email as row 7, which is imported instead"])
    assert (plans[9].action, plans[10].problems) == ("create", ["same name as row 9, which is imported instead"])
    assert (plans[11].action, plans[11].notes) == (
        "create",
        ["likely duplicate of Existing Phone Ltd (same phone); added as a new contact"],
    )
    assert (plans[12].action, plans[12].match_reason) == ("update", "same name")


def test_bad_rows_are_skipped_with_their_reason_and_the_rest_imported(upload):
    finished = run(upload(BAD_ROWS))

    assert (finished.created_count, finished.skipped_count) == (4, 7)
    assert [entry["row"] for entry in finished.report["skipped"]] == [2, 3, 4, 5, 6, 8, 10]
    assert finished.report["skipped"][1]["problems"] == ["bad email “not-an-email”"]
    assert not Contact.objects.filter(name__in=["Ada Lovelace", "Grace Hopper", "Alan Turing"]).exists()


def test_an_arbitrary_file_is_imported_through_its_mapping(upload, member, team_a, team_b):
    member.teams.add(team_b)
    text = (
        "Customer;Contact e-mail;Ref;Town;Kind;Sales rep;Group\n"
        "Quill & Ink;orders@quill.example;C-001;York;org;member@example.com;Team B\n"
    )
    import_ = upload(
        text,
        mapping=["name", "email:work", "", "address:office:city", "type", "owner", "team"],
        default_kind="organisation",
    )

    finished = run(import_)

    quill = Contact.objects.get(name="Quill & Ink")
    assert finished.created_count == 1
    assert (quill.kind, quill.team, quill.owner) == ("organisation", team_b, member)
    assert [a.city for a in quill.addresses.all()] == ["York"]
    assert "C-001" not in str(Contact.objects.values_list().get(pk=quill.pk))


def test_a_mapping_that_gives_one_field_to_two_columns_is_refused(upload):
    import_ = upload("Name,Other name\nAda,Ada L\n")

    with pytest.raises(services.MappingInvalid, match="same field"):
        services.import_map(import_id=import_.pk, kind="contacts", default_kind="person", mapping=["name", "name"])


def test_a_mapping_without_a_name_is_refused(upload):
    import_ = upload("Email\nada@example.com\n")

    with pytest.raises(services.MappingInvalid, match="name"):
        services.import_map(import_id=import_.pk, kind="contacts", default_kind="person", mapping=["email:work"])


def test_an_import_runs_once_even_if_its_task_is_delivered_twice(upload):
    import_ = upload("capsule_contacts_export.csv")
    run(import_)

    with pytest.raises(services.ImportNotQueued):
        services.import_run(import_id=import_.pk, clock=lambda: Import.objects.get(pk=import_.pk).finished_at)


def test_an_import_cannot_be_queued_twice(upload):
    import_ = upload("capsule_contacts_export.csv")
    services.import_queue(import_id=import_.pk)

    with pytest.raises(services.ImportNotEditable):
        services.import_queue(import_id=import_.pk)


@pytest.fixture
def milestones():
    return [
        MilestoneFactory(name="Lead", position=1, probability=10),
        MilestoneFactory(name="Proposal", position=2, probability=50),
    ]


@pytest.fixture
def contacts_imported(upload):
    return run(upload("capsule_contacts_export.csv"))


def test_capsules_opportunity_export_is_imported_and_rerun_without_duplicates(
    upload, milestones, member, contacts_imported
):
    first = run(upload("capsule_opportunities_export.csv"))
    again = run(upload("capsule_opportunities_export.csv"))

    assert (first.created_count, again.created_count, again.unchanged_count) == (2, 0, 2)
    bread = Opportunity.objects.get(name="Bread for the hotel")
    assert (
        bread.contact.name,
        bread.value,
        bread.currency_code,
        bread.milestone,
        bread.probability,
        str(bread.expected_close_date),
        bread.owner,
    ) == ("Harbour Hotels", Decimal("1250.00"), "GBP", milestones[1], 50, "2027-03-31", member)
    cakes = Opportunity.objects.get(name="Wedding cakes")
    assert (cakes.currency_code, str(cakes.expected_close_date)) == ("EUR", "2027-04-15")


def test_opportunity_rows_with_problems_say_why(upload, milestones, contacts_imported):
    text = (
        "Name,Organisation,Value,Currency,Milestone,Expected Close Date\n"
        "A,Harbour Hotels,1,GBP,Negotiation,\n"
        "B,Harbour Hotels,lots,GBP,Lead,\n"
        "C,Harbour Hotels,1,POUNDS,Lead,\n"
        "D,Harbour Hotels,1,GBP,Lead,next Tuesday\n"
        "E,Nobody Ltd,1,GBP,Lead,\n"
        ",Harbour Hotels,1,GBP,Lead,\n"
        "G,Harbour Hotels,-5,GBP,Lead,\n"
    )

    plans = plans_by_row(upload(text, kind="opportunities"))

    assert [plans[row].problems for row in range(2, 9)] == [
        ["unknown milestone “Negotiation”"],
        ["bad value “lots”"],
        ["bad currency “POUNDS” (a three-letter code)"],
        ["bad date “next Tuesday” (use YYYY-MM-DD or DD/MM/YYYY)"],
        ["unknown contact “Nobody Ltd” (import contacts first)"],
        ["missing name"],
        ["bad value “-5”"],
    ]


def test_an_upload_into_another_teams_team_is_refused(team_b, member):
    with pytest.raises(services.TeamNotAllowed):
        services.import_create(user_id=member.pk, team_id=team_b.pk, filename="x.csv", data=b"Name\nAda\n")


def test_a_changed_contact_is_announced_for_the_xero_push_and_an_unchanged_one_is_not(upload, team_a):
    from contacts.signals import contact_changed

    PersonFactory(team=team_a, first_name="Oliver", last_name="Brown")
    announced: list[int] = []

    def receive(*, contact_id: int, **_: object) -> None:
        announced.append(contact_id)

    contact_changed.connect(receive, dispatch_uid="test-import-changes")
    try:
        import_ = upload("capsule_contacts_export.csv")
        run(import_)
        first = list(announced)
        run(Import.objects.get(pk=import_.pk))
    finally:
        contact_changed.disconnect(dispatch_uid="test-import-changes")

    assert first == [Contact.objects.get(name="Oliver Brown").pk]
    assert announced == first


def test_text_longer_than_its_column_is_cut_or_refused_without_failing_the_import(upload):
    long_email = f"{'a' * 60}@{'b' * 60}.{'c' * 60}.{'d' * 60}.{'e' * 50}.example"
    text = (
        f"Name,Email,Street,Title\nLong Ltd,ok@long.example,{'1 High Street ' * 50},{'Dr ' * 20}\n"
        f"Too Long Ltd,{long_email},,\n"
    )

    finished = run(
        upload(text, mapping=["name", "email:work", "address:office:street", "title"], default_kind="organisation")
    )

    assert (finished.status, finished.created_count, finished.skipped_count) == ("done", 1, 1)
    assert finished.report["skipped"][0]["problems"][0].startswith("bad email")
    long_ltd = Contact.objects.get(name="Long Ltd")
    assert (len(long_ltd.addresses.get().street), len(long_ltd.title)) == (500, 20)


def _found_by_name(name: str) -> set[int]:
    """The contacts the Xero sync's matching finds by this name (through their stored name key)."""
    return {one.contact_id for one in contact_selectors.contacts_match_facts(name_keys={name_key(name)})}


def test_a_contact_renamed_by_an_import_is_found_by_its_new_name(upload, team_a):
    bakery = OrganisationFactory(team=team_a, name="Old Name Of The Bakery")
    EmailAddressFactory(contact=bakery, address="hello@bluebell.example")

    run(upload("capsule_contacts_export.csv"))

    bakery.refresh_from_db()
    assert bakery.name == "Bluebell Bakery Ltd"
    assert bakery.pk in _found_by_name("Bluebell Bakery")
    assert bakery.pk not in _found_by_name("Old Name Of The Bakery")
