"""Demo CRM data: teams, users, people, organisations and a pipeline, loaded idempotently.

Some organisations and people deliberately match the Xero sandbox's demo organisations (exactly, by email only,
by a normalised name, or ambiguously), so the sync has every matching path to show.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction

from accounts.models import Team, User
from contacts.models import Address, Contact, EmailAddress, PhoneNumber, Tag
from opportunities.models import Instalment, InstalmentPlan, Milestone, Opportunity

DEMO_ADMIN_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"

TEAMS = ["Sales", "Account Management", "Pacific"]
USERS = [
    # email, first, last, teams, admin
    (DEMO_ADMIN_EMAIL, "Dana", "Demo", TEAMS, True),
    ("sam@example.com", "Sam", "Seller", ["Sales"], False),
    ("alex@example.com", "Alex", "Account", ["Account Management"], False),
    ("mere@example.com", "Mere", "Ngata", ["Pacific"], False),
]
TEAM_OWNERS = {"Sales": "sam@example.com", "Account Management": "alex@example.com", "Pacific": "mere@example.com"}
MILESTONES = [("New", 10), ("Qualified", 25), ("Proposal", 50), ("Negotiation", 75), ("Verbal yes", 90)]

# name, email, phone, city, country, team, tags
ORGANISATIONS = [
    ("Acme Widgets Ltd", "accounts@acme-widgets.example", "020 7946 0101", "London", "United Kingdom", "Sales", ["key account"]),
    ("Bluebell Bakery", "hello@bluebellbakery.example", "0161 496 0102", "Manchester", "United Kingdom", "Sales", []),
    ("Northwind Traders", "ap@northwind.example", "0117 496 0103", "Bristol", "United Kingdom", "Account Management", ["key account"]),
    ("Harbour Lights Hotel", "finance@harbourlights.example", "01273 960104", "Brighton", "United Kingdom", "Account Management", ["hospitality"]),
    ("Greenleaf Gardens", "accounts@greenleaf.example", "0113 496 0105", "Leeds", "United Kingdom", "Sales", []),
    ("Copperfield Books Ltd", "", "0131 496 0106", "Edinburgh", "United Kingdom", "Account Management", ["retail"]),
    ("Smith & Co", "", "020 7946 0000", "London", "United Kingdom", "Sales", []),
    ("Smith and Co Ltd", "", "", "Reading", "United Kingdom", "Account Management", []),
    ("Kiwi Coffee Roasters", "orders@kiwicoffee.example", "+64 9 555 0107", "Auckland", "New Zealand", "Pacific", ["hospitality"]),
    ("Wellington Print Co", "hello@wellingtonprint.example", "+64 4 555 0108", "Wellington", "New Zealand", "Pacific", []),
    ("Riverside Dental", "office@riversidedental.example", "01865 960109", "Oxford", "United Kingdom", "Sales", []),
    ("Oakwood Joinery", "info@oakwoodjoinery.example", "0121 496 0110", "Birmingham", "United Kingdom", "Sales", ["trade"]),
    ("Lighthouse Analytics", "team@lighthouse.example", "020 7946 0111", "London", "United Kingdom", "Account Management", []),
    ("Summit Outdoor Gear", "sales@summitgear.example", "01539 960112", "Kendal", "United Kingdom", "Sales", ["retail"]),
    ("Tamaki Tours", "bookings@tamakitours.example", "+64 9 555 0113", "Auckland", "New Zealand", "Pacific", []),
    ("Blue Door Studio", "studio@bluedoor.example", "0117 496 0114", "Bristol", "United Kingdom", "Sales", []),
    ("Fenwick Legal LLP", "accounts@fenwicklegal.example", "0191 496 0115", "Newcastle", "United Kingdom", "Account Management", []),
    ("Brightside Energy", "hello@brightside.example", "029 2018 0116", "Cardiff", "United Kingdom", "Sales", []),
]
# first, last, email, job title, organisation, team
PEOPLE = [
    ("Priya", "Shah", "priya@shah-consulting.example", "Consultant", None, "Sales"),
    ("Tunde", "Okafor", "tunde@okafor.example", "Founder", None, "Account Management"),
    ("Jordan", "Lee", "jordan.lee@acme-widgets.example", "Operations Manager", "Acme Widgets Ltd", "Sales"),
    ("Jordan", "Lee", "jlee@northwind.example", "Buyer", "Northwind Traders", "Account Management"),
    ("Hannah", "Wright", "hannah@acme-widgets.example", "Finance Director", "Acme Widgets Ltd", "Sales"),
    ("Oliver", "Brown", "oliver@bluebellbakery.example", "Owner", "Bluebell Bakery", "Sales"),
    ("Amelia", "Clarke", "amelia@northwind.example", "Head of Purchasing", "Northwind Traders", "Account Management"),
    ("George", "Patel", "george@harbourlights.example", "General Manager", "Harbour Lights Hotel", "Account Management"),
    ("Isla", "Murray", "isla@greenleaf.example", "Director", "Greenleaf Gardens", "Sales"),
    ("Aroha", "Wiremu", "aroha@kiwicoffee.example", "Head Roaster", "Kiwi Coffee Roasters", "Pacific"),
    ("Liam", "Thompson", "liam@wellingtonprint.example", "Studio Lead", "Wellington Print Co", "Pacific"),
]
FIRST_NAMES = ["Ava", "Noah", "Mia", "Leo", "Zara", "Finn", "Ruby", "Arlo", "Esme", "Kai", "Nina", "Theo", "Lena", "Omar"]
LAST_NAMES = ["Walker", "Hughes", "Evans", "Khan", "Reid", "Bennett", "Foster", "Hayes", "Price", "Ward", "Ellis"]
GENERATED_PEOPLE = 25
OPPORTUNITY_KINDS = ["Website refresh", "Annual support", "Hardware refresh", "Training days", "Consulting retainer",
                     "Expansion licence", "Pilot project", "Renewal"]
OPPORTUNITIES = 30
# A won sale paid in instalments. Its id is fixed because the Xero sandbox's demo organisation (xero_sandbox/seed.py)
# bills the instalments with invoice references OPP-9001-1 ... OPP-9001-5, which the first sync matches.
INSTALMENT_SALE_ID = 9001
INSTALMENT_SALE_NAME = "Bluebell Bakery: Shop fit-out programme"
INSTALMENT_DUE_DAYS = [-102, -72, -42, -12, 18, 48]  # relative to today, as the sandbox's invoices are


@dataclass(frozen=True)
class DemoCounts:
    users: int
    teams: int
    contacts: int
    opportunities: int


def _contact(*, kind: str, name: str, team: Team, owner: User | None, **fields: object) -> Contact:
    contact, _ = Contact.objects.get_or_create(
        kind=kind, name=name, team=team, defaults={"owner": owner, **fields}
    )
    return contact


def _details(contact: Contact, *, email: str, phone: str = "", city: str = "", country: str = "") -> None:
    if email:
        EmailAddress.objects.get_or_create(contact=contact, address=email)
    if phone:
        PhoneNumber.objects.get_or_create(contact=contact, number=phone)
    if city:
        Address.objects.get_or_create(contact=contact, city=city, country=country)


@transaction.atomic
def demo_data_load(*, today: date) -> DemoCounts:
    """Create the demo teams, users, contacts and pipeline. Running it again creates nothing new."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in TEAMS}
    users: dict[str, User] = {}
    for email, first, last, team_names, admin in USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            create = User.objects.create_superuser if admin else User.objects.create_user
            user = create(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
        user.teams.add(*(teams[name] for name in team_names))
        users[email] = user
    owners_by_team = {team: users[email] for team, email in TEAM_OWNERS.items()}
    for position, (name, probability) in enumerate(MILESTONES):
        Milestone.objects.get_or_create(name=name, defaults={"position": position, "probability": probability})

    organisations: dict[str, Contact] = {}
    for name, email, phone, city, country, team_name, tags in ORGANISATIONS:
        organisation = _contact(kind=Contact.Kind.ORGANISATION, name=name, team=teams[team_name],
                                owner=owners_by_team[team_name])
        _details(organisation, email=email, phone=phone, city=city, country=country)
        organisation.tags.add(*(Tag.objects.get_or_create(name=tag)[0] for tag in tags))
        organisations[name] = organisation
    for first, last, email, job_title, organisation_name, team_name in PEOPLE:
        person = Contact.objects.filter(kind=Contact.Kind.PERSON, emails__address=email).first() or _contact(
            kind=Contact.Kind.PERSON, name=f"{first} {last}", team=teams[team_name], owner=owners_by_team[team_name],
            first_name=first, last_name=last, job_title=job_title,
            organisation=organisations.get(organisation_name or ""),
        )
        _details(person, email=email)

    rng = random.Random(42)
    organisation_list = list(organisations.values())
    for index in range(GENERATED_PEOPLE):
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index * 5) % len(LAST_NAMES)]
        organisation = organisation_list[rng.randrange(len(organisation_list))]
        domain = organisation.primary_email.partition("@")[2] or "example.com"
        person = _contact(kind=Contact.Kind.PERSON, name=f"{first} {last}", team=organisation.team,
                          owner=organisation.owner, first_name=first, last_name=last,
                          job_title=rng.choice(["Buyer", "Office Manager", "Engineer", "Director", "Accountant"]),
                          organisation=organisation)
        _details(person, email=f"{first}.{last}@{domain}".lower())

    milestones = list(Milestone.objects.all())
    for index in range(OPPORTUNITIES):
        contact = organisation_list[index % len(organisation_list)]
        outcome = "won" if index % 7 == 3 else "lost" if index % 11 == 5 else "open"
        closed_on = today - timedelta(days=10 + index) if outcome != "open" else None
        Opportunity.objects.get_or_create(
            name=f"{contact.name}: {OPPORTUNITY_KINDS[index % len(OPPORTUNITY_KINDS)]}",
            contact=contact,
            defaults={
                "team": contact.team,
                "owner": contact.owner,
                "milestone": milestones[index % len(milestones)],
                "value": Decimal(rng.randrange(500, 60000, 250)),
                "currency_code": "NZD" if contact.team.name == "Pacific" else "GBP",
                "probability": milestones[index % len(milestones)].probability,
                "expected_close_date": today + timedelta(days=7 * (index % 12) + 3),
                "outcome": outcome,
                "closed_on": closed_on,
            },
        )
    _instalment_sale(contact=organisations["Bluebell Bakery"], milestone=milestones[-1], today=today)
    return DemoCounts(
        users=User.objects.count(), teams=Team.objects.count(), contacts=Contact.objects.count(),
        opportunities=Opportunity.objects.count(),
    )


def _instalment_sale(*, contact: Contact, milestone: Milestone, today: date) -> None:
    """The won sale with a six-instalment plan (GBP 6,000), under its fixed id; kept as it is when it exists."""
    if Opportunity.objects.filter(pk=INSTALMENT_SALE_ID).exists():
        return
    sale = Opportunity.objects.create(
        pk=INSTALMENT_SALE_ID, name=INSTALMENT_SALE_NAME, contact=contact, team=contact.team, owner=contact.owner,
        milestone=milestone, value=Decimal("6000.00"), currency_code="GBP", probability=100,
        expected_close_date=today - timedelta(days=135), outcome=Opportunity.Outcome.WON,
        closed_on=today - timedelta(days=135),
        description="Fit-out of the second shop, invoiced monthly. Xero invoice references OPP-9001-<n> match "
        "each instalment.",
    )
    plan = InstalmentPlan.objects.create(opportunity=sale)
    Instalment.objects.bulk_create(
        Instalment(plan=plan, position=position, amount=Decimal("1000.00"), currency_code="GBP",
                   due_on=today + timedelta(days=days))
        for position, days in enumerate(INSTALMENT_DUE_DAYS, start=1)
    )
    # An explicit id leaves PostgreSQL's sequence behind; move it past the row, as loaddata does.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Opportunity]):
            cursor.execute(statement)
