from datetime import UTC, date, datetime
from decimal import Decimal

import factory

from accounts.models import Team, User
from contacts.models import Contact, EmailAddress
from invoices.models import Invoice, Organisation, Payment, Quote
from invoices.services import AllocationData, InvoiceData, PaymentData
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
    """A contact that is an organisation (a company the CRM deals with); see LedgerOrganisationFactory for the
    accounting organisation whose books the ledger mirrors."""

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


class LedgerOrganisationFactory(factory.django.DjangoModelFactory):
    """An accounting organisation (the ledger's `invoices.Organisation`): GBP, on London time."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Books {n} Ltd")
    short_code = factory.Sequence(lambda n: f"!b{n:03d}")
    base_currency = "GBP"
    timezone = "Europe/London"


def _organisation_of(document: factory.builder.Resolver) -> Organisation:
    """The ledger organisation of a document built with `connection=` (a XeroConnection), else a new one."""
    if document.connection is not None:
        return document.connection.organisation
    return LedgerOrganisationFactory()


class _SalesInvoiceFigures(factory.Factory):
    """What a stored invoice and the sync's InvoiceData share: an authorised GBP sales invoice of 100.00, unpaid,
    issued 2026-03-01 and due 2026-03-31."""

    class Meta:
        abstract = True

    kind = "invoice"
    type = "ACCREC"
    status = "AUTHORISED"
    number = factory.Sequence(lambda n: f"INV-{n:04d}")
    reference = ""
    issued_on = date(2026, 3, 1)
    due_on = date(2026, 3, 31)
    currency_code = "GBP"
    currency_rate = None
    sub_total = Decimal("100.00")
    total_tax = Decimal("0.00")
    total = factory.SelfAttribute("sub_total")
    amount_due = factory.LazyAttribute(lambda invoice: invoice.total - invoice.amount_paid - invoice.amount_credited)
    amount_paid = Decimal("0.00")
    amount_credited = Decimal("0.00")
    remaining_credit = Decimal("0.00")
    fully_paid_on = None
    xero_updated_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class InvoiceFactory(_SalesInvoiceFigures, factory.django.DjangoModelFactory):
    """An authorised GBP sales invoice of 100.00, unpaid, due 2026-03-31, of `organisation` (a ledger
    Organisation), or of the organisation of `connection` (a XeroConnection, such as the `uk_org` fixture)."""

    class Meta:
        model = Invoice

    class Params:
        connection = None

    organisation = factory.LazyAttribute(_organisation_of)

    xero_id = factory.Sequence(lambda n: f"00000000-0000-4000-8000-{n:012d}")
    contact = factory.SubFactory(OrganisationFactory)
    xero_contact_id = factory.Sequence(lambda n: f"c0000000-0000-4000-8000-{n:012d}")
    synced_at = datetime(2026, 3, 1, 9, 5, tzinfo=UTC)


class QuoteFactory(factory.django.DjangoModelFactory):
    """A sent GBP quote of 500.00 to `contact`, of `organisation` (a ledger Organisation), or of the organisation
    of `connection` (a XeroConnection)."""

    class Meta:
        model = Quote

    class Params:
        connection = None

    organisation = factory.LazyAttribute(_organisation_of)
    xero_id = factory.Sequence(lambda n: f"q0000000-0000-4000-8000-{n:012d}")
    contact = factory.SubFactory(OrganisationFactory)
    xero_contact_id = factory.Sequence(lambda n: f"c1000000-0000-4000-8000-{n:012d}")
    number = factory.Sequence(lambda n: f"QU-{n:04d}")
    status = Quote.Status.SENT
    currency_code = "GBP"
    total = Decimal("500.00")
    issued_on = date(2026, 3, 1)
    xero_updated_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    synced_at = datetime(2026, 3, 1, 9, 5, tzinfo=UTC)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    xero_id = factory.Sequence(lambda n: f"p0000000-0000-4000-8000-{n:012d}")
    paid_on = date(2026, 3, 10)
    amount = Decimal("40.00")
    currency_rate = None
    status = Payment.Status.AUTHORISED


class PaymentDataFactory(factory.Factory):
    class Meta:
        model = PaymentData

    xero_id = factory.Sequence(lambda n: f"p1000000-0000-4000-8000-{n:012d}")
    paid_on = date(2026, 3, 10)
    amount = Decimal("40.00")
    currency_rate = None
    status = "AUTHORISED"


class AllocationDataFactory(factory.Factory):
    class Meta:
        model = AllocationData

    invoice_xero_id = factory.Sequence(lambda n: f"00000000-0000-4000-9000-{n:012d}")
    amount = Decimal("30.00")
    allocated_on = date(2026, 3, 5)


class InvoiceDataFactory(_SalesInvoiceFigures):
    """An authorised GBP sales invoice of 100.00 as the Xero sync hands it over, with no payments."""

    class Meta:
        model = InvoiceData

    xero_id = factory.Sequence(lambda n: f"00000000-0000-4000-a000-{n:012d}")
    xero_contact_id = "c0000000-0000-4000-8000-000000000001"
    payments = ()
    allocations = ()
