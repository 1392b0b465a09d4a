from decimal import Decimal

import factory

from accounts.models import Team, User
from contacts.models import Contact, EmailAddress
from opportunities.models import Milestone, Opportunity


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def teams(self, create: bool, extracted: list[Team] | None, **_: object) -> None:
        if create and extracted:
            self.teams.add(*extracted)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    kind = Contact.Kind.ORGANISATION
    name = factory.Sequence(lambda n: f"Organisation {n} Ltd")
    team = factory.SubFactory(TeamFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    kind = Contact.Kind.PERSON
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Example"
    name = factory.LazyAttribute(lambda person: f"{person.first_name} {person.last_name}")
    team = factory.SubFactory(TeamFactory)


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    contact = factory.SubFactory(OrganisationFactory)
    address = factory.Sequence(lambda n: f"contact{n}@example.org")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Milestone {n}")
    position = factory.Sequence(int)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    name = factory.Sequence(lambda n: f"Deal {n}")
    contact = factory.SubFactory(OrganisationFactory)
    team = factory.SelfAttribute("contact.team")
    milestone = factory.SubFactory(MilestoneFactory)
    value = Decimal("1000.00")
    currency_code = "GBP"
