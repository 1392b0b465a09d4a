"""Demo CRM data: teams, users, people, organisations, a pipeline and Acme's history (notes and tasks), loaded
idempotently from `data.json`. Users see money unless their record says `"sees_money": false` (Pat, a salesperson
in Sam's team, shows the other kind of user).

Some organisations and people deliberately match the Xero sandbox's demo organisations (exactly, by email only,
by a normalised name, or ambiguously), so the sync has every matching path to show. The records live in
`data.json`; this module only knows how to load them (and makes the generated people and opportunities, from the
names and kinds listed there, with a fixed random seed).
"""

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Team, User
from activity.models import Note, Task
from contacts.models import Address, Contact, EmailAddress, PhoneNumber, Tag
from opportunities.models import Instalment, InstalmentPlan, Milestone, Opportunity

DATA = json.loads((Path(__file__).parent / "data.json").read_text(encoding="utf-8"))
DEMO_ADMIN_EMAIL: str = DATA["admin_email"]
DEMO_PASSWORD: str = DATA["password"]
TEAM_OWNERS: dict[str, str] = DATA["team_owners"]
MILESTONES: list[tuple[str, int]] = [(milestone["name"], milestone["probability"]) for milestone in DATA["milestones"]]
# A won sale paid in instalments. Its id is fixed because the Xero sandbox's demo organisation bills the
# instalments with invoice references OPP-9001-1 ... OPP-9001-5, which the first sync matches (the quoted sales of
# `quoted_sales` have fixed ids for the same reason: the seeded quotes' references name them).
INSTALMENT_SALE_ID: int = DATA["instalment_sale"]["id"]


@dataclass(frozen=True)
class DemoCounts:
    users: int
    teams: int
    contacts: int
    opportunities: int


def _contact(*, kind: str, name: str, team: Team, owner: User | None, **fields: object) -> Contact:
    contact, _ = Contact.objects.get_or_create(kind=kind, name=name, team=team, defaults={"owner": owner, **fields})
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
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in DATA["teams"]}
    users: dict[str, User] = {}
    for record in DATA["users"]:
        user = User.objects.filter(email=record["email"]).first()
        if user is None:
            create = User.objects.create_superuser if record["admin"] else User.objects.create_user
            user = create(
                email=record["email"],
                password=DEMO_PASSWORD,
                first_name=record["first_name"],
                last_name=record["last_name"],
                can_see_money=record.get("sees_money", True),
            )
        user.teams.add(*(teams[name] for name in record["teams"]))
        users[record["email"]] = user
    owners_by_team = {team: users[email] for team, email in TEAM_OWNERS.items()}
    for position, (name, probability) in enumerate(MILESTONES):
        Milestone.objects.get_or_create(name=name, defaults={"position": position, "probability": probability})

    organisations: dict[str, Contact] = {}
    for record in DATA["organisations"]:
        team = record["team"]
        organisation = _contact(
            kind=Contact.Kind.ORGANISATION, name=record["name"], team=teams[team], owner=owners_by_team[team]
        )
        _details(
            organisation, email=record["email"], phone=record["phone"], city=record["city"], country=record["country"]
        )
        organisation.tags.add(*(Tag.objects.get_or_create(name=tag)[0] for tag in record["tags"]))
        organisations[record["name"]] = organisation
    for record in DATA["people"]:
        first, last, team = record["first_name"], record["last_name"], record["team"]
        person = Contact.objects.filter(kind=Contact.Kind.PERSON, emails__address=record["email"]).first() or _contact(
            kind=Contact.Kind.PERSON,
            name=f"{first} {last}",
            team=teams[team],
            owner=owners_by_team[team],
            first_name=first,
            last_name=last,
            job_title=record["job_title"],
            organisation=organisations.get(record["organisation"] or ""),
        )
        _details(person, email=record["email"])

    rng = random.Random(42)
    organisation_list = list(organisations.values())
    generated = DATA["generated_people"]
    first_names, last_names = generated["first_names"], generated["last_names"]
    for index in range(generated["count"]):
        first, last = first_names[index % len(first_names)], last_names[(index * 5) % len(last_names)]
        organisation = organisation_list[rng.randrange(len(organisation_list))]
        domain = organisation.primary_email.partition("@")[2] or "example.com"
        person = _contact(
            kind=Contact.Kind.PERSON,
            name=f"{first} {last}",
            team=organisation.team,
            owner=organisation.owner,
            first_name=first,
            last_name=last,
            job_title=rng.choice(generated["job_titles"]),
            organisation=organisation,
        )
        _details(person, email=f"{first}.{last}@{domain}".lower())

    milestones = list(Milestone.objects.all())
    kinds = DATA["opportunities"]["kinds"]
    for index in range(DATA["opportunities"]["count"]):
        contact = organisation_list[index % len(organisation_list)]
        outcome = "won" if index % 7 == 3 else "lost" if index % 11 == 5 else "open"
        closed_on = today - timedelta(days=10 + index) if outcome != "open" else None
        Opportunity.objects.get_or_create(
            name=f"{contact.name}: {kinds[index % len(kinds)]}",
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
    _instalment_sale(contact=organisations[DATA["instalment_sale"]["contact"]], milestone=milestones[-1], today=today)
    _quoted_sales(organisations=organisations, today=today)
    _sequence_reset()
    _invoice_sale(contact=organisations[DATA["invoice_sale"]["contact"]], milestone=milestones[-1], today=today)
    _history(users=users, today=today)
    return DemoCounts(
        users=User.objects.count(),
        teams=Team.objects.count(),
        contacts=Contact.objects.count(),
        opportunities=Opportunity.objects.count(),
    )


def _instalment_sale(*, contact: Contact, milestone: Milestone, today: date) -> None:
    """The won sale with its instalment plan (six of GBP 1,000), under its fixed id; kept as it is when it exists."""
    sale_data = DATA["instalment_sale"]
    if Opportunity.objects.filter(pk=INSTALMENT_SALE_ID).exists():
        return
    amount, currency, due_days = Decimal(sale_data["amount"]), sale_data["currency_code"], sale_data["due_days"]
    closed_on = today - timedelta(days=sale_data["closed_days_ago"])
    sale = Opportunity.objects.create(
        pk=INSTALMENT_SALE_ID,
        name=sale_data["name"],
        contact=contact,
        team=contact.team,
        owner=contact.owner,
        milestone=milestone,
        value=amount * len(due_days),
        currency_code=currency,
        probability=100,
        expected_close_date=closed_on,
        outcome=Opportunity.Outcome.WON,
        closed_on=closed_on,
        description=sale_data["description"],
    )
    # Capsync raises the instalments' invoices on schedule, in the organisation Bluebell Bakery is linked in.
    plan = InstalmentPlan.objects.create(
        opportunity=sale,
        invoicing=sale_data["invoicing"],
        raise_days_before_due=sale_data["raise_days_before_due"],
    )
    Instalment.objects.bulk_create(
        Instalment(
            plan=plan, position=position, amount=amount, currency_code=currency, due_on=today + timedelta(days=days)
        )
        for position, days in enumerate(due_days, start=1)
    )


def _quoted_sales(*, organisations: dict[str, Contact], today: date) -> None:
    """The open sales quoted in Xero, under the fixed ids their seeded quotes' references (OPP-<id>) name."""
    milestones = {milestone.name: milestone for milestone in Milestone.objects.all()}
    for sale in DATA["quoted_sales"]["sales"]:
        contact, milestone = organisations[sale["contact"]], milestones[sale["milestone"]]
        defaults = _open_sale_fields(sale, contact=contact, milestone=milestone, today=today)
        Opportunity.objects.get_or_create(
            pk=sale["id"], defaults={"name": sale["name"], "contact": contact, **defaults}
        )


def _sequence_reset() -> None:
    """Explicit ids leave PostgreSQL's sequence behind; move it past the rows, as loaddata does."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Opportunity]):
            cursor.execute(statement)


def _invoice_sale(*, contact: Contact, milestone: Milestone, today: date) -> None:
    """An open sale of the key account, to be won and invoiced in Xero from its page (kept as it is when it exists)."""
    sale = DATA["invoice_sale"]
    defaults = _open_sale_fields(sale, contact=contact, milestone=milestone, today=today)
    Opportunity.objects.get_or_create(
        name=sale["name"], contact=contact, defaults={**defaults, "description": sale["description"]}
    )


def _open_sale_fields(sale: dict, *, contact: Contact, milestone: Milestone, today: date) -> dict[str, object]:
    """An open sale's fields from its entry in the demo data: in the contact's team, with its owner, at the
    milestone's probability, closing `close_in_days` from `today`."""
    return {
        "team": contact.team,
        "owner": contact.owner,
        "milestone": milestone,
        "value": Decimal(sale["value"]),
        "currency_code": sale["currency_code"],
        "probability": milestone.probability,
        "expected_close_date": today + timedelta(days=sale["close_in_days"]),
    }


def _history(*, users: dict[str, User], today: date) -> None:
    """A living history on the key account: calls, meetings and notes on it and its people, and follow-up tasks
    (one overdue, one due today, one done); and a call on the instalment sale. Notes are dated relative to
    `today`, in the site's time zone; each is kept as it is when it exists (matched by its text)."""
    history = DATA["history"]

    def contact_named(name: str) -> Contact:
        return Contact.objects.filter(name=name).order_by("pk").first()

    def at(days_ago: int, hour: int) -> datetime:
        return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour)))

    for record in history["notes"]:
        written = at(record["days_ago"], record["hour"])
        Note.objects.get_or_create(
            contact=contact_named(record["about"]),
            body=record["body"],
            defaults={
                "kind": record["kind"],
                "author": users[record["author"]],
                "happened_at": written,
                "created_at": written,
                "updated_at": written,
                "opportunity_id": record.get("opportunity_id"),
            },
        )
    for record in history["tasks"]:
        due_on = today + timedelta(days=record["due_in_days"])
        created = at(max(-record["due_in_days"], 0) + 3, 9)
        Task.objects.get_or_create(
            title=record["title"],
            owner=users[record["owner"]],
            defaults={
                "due_on": due_on,
                "contact": contact_named(record["about"]),
                "created_at": created,
                "created_by": users[record["owner"]],
                "completed_at": at(-record["due_in_days"], 17) if record.get("done") else None,
            },
        )
