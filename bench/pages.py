"""Page speed at benchmark size: p50/p95 and query counts of the CRM's busiest pages, after the initial sync.

Import this module only after `django.setup()`. It signs in a (non-admin) member of the team the sync put the Xero
customers in, gives the pipeline a realistic set of opportunities on those customers, and requests each page with
Django's test `Client` in this process: the whole request through the middleware, views and templates, with
DEBUG off and the static files collected as in production, but no web server or network in front.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.db import connection as db_connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from activity.models import Note, Task
from bench.report import percentile
from bench.search import search_pages, search_setup
from contacts.models import Contact
from demo.services import MILESTONES
from invoices.models import Invoice
from opportunities.models import Milestone, Opportunity

WARM_UPS = 3
REQUESTS = 50
OPPORTUNITIES = 200  # open deals on the pipeline, and as many won ones, on the customers with the most invoices
HISTORY_NOTES = 150  # notes and logged calls on the busiest customer, one every week back from now
HISTORY_TASKS = 30  # and follow-up tasks, from a month ahead to a year back, done once their day passed
MEMBER_EMAIL = "bench-member@example.com"
SLOW_P95_MS = 300


class PageError(RuntimeError):
    """A page did not answer as it must (status or content); the message says which."""


@dataclass(frozen=True)
class PageTiming:
    name: str
    url: str
    htmx: bool
    status_code: int
    queries: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    size_kib: float


@dataclass(frozen=True)
class PageSetup:
    member: User
    busiest_contact_id: int
    busiest_contact_invoices: int
    visible_contacts: int
    open_opportunities: int


def member_setup(*, team_id: int) -> User:
    """A signed-in-able member (not an admin) of the team the sync assigns the Xero customers to."""
    member = User.objects.filter(email=MEMBER_EMAIL).first()
    if member is None:
        member = User.objects.create_user(email=MEMBER_EMAIL, password=secrets.token_urlsafe(16))
        Team.objects.get(pk=team_id).members.add(member)
    return member


def pipeline_setup(*, team_id: int, owner: User, count: int = OPPORTUNITIES) -> int:
    """Open opportunities on the team's customers with the most invoices, spread over the demo's milestones, and
    as many won ones (not invoiced) on the same customers; returns how many of each. Done once: a database set up
    before (`--pages-only --reuse-data`) keeps its opportunities."""
    existing = Opportunity.objects.filter(team_id=team_id, owner=owner, outcome=Opportunity.Outcome.OPEN).count()
    if existing:
        return existing
    for position, (name, probability) in enumerate(MILESTONES):
        Milestone.objects.get_or_create(name=name, defaults={"position": position, "probability": probability})
    milestones = list(Milestone.objects.all())
    customers = list(
        Contact.objects.filter(team_id=team_id)
        .annotate(invoice_count=Count("invoices"))
        .order_by("-invoice_count", "pk")[:count]
    )
    today = timezone.localdate()
    Opportunity.objects.bulk_create(
        Opportunity(
            name=f"{contact.name}: renewal",
            contact=contact,
            team_id=team_id,
            owner=owner,
            milestone=milestones[index % len(milestones)],
            value=Decimal(1000 + 250 * (index % 40)),
            currency_code="GBP",
            probability=milestones[index % len(milestones)].probability,
            expected_close_date=today + timedelta(days=7 * (index % 26)),
        )
        for index, contact in enumerate(customers)
    )
    # As many won sales on the same busy customers, for the dashboard's "won, not yet invoiced": each one sums its
    # customer's invoices that name it, so the busiest customers are the worst case.
    Opportunity.objects.bulk_create(
        Opportunity(
            name=f"{contact.name}: last year's order",
            contact=contact,
            team_id=team_id,
            owner=owner,
            milestone=milestones[-1],
            value=Decimal(800 + 100 * (index % 20)),
            currency_code="GBP",
            probability=100,
            outcome=Opportunity.Outcome.WON,
            closed_on=today - timedelta(days=3 * index),
        )
        for index, contact in enumerate(customers)
    )
    return len(customers)


def history_setup(*, contact_id: int, author: User) -> None:
    """Give the busiest customer a salesperson's history to interleave with its money events: a note or logged call
    a week back to three years ago, and tasks due from a year ago to a month ahead (done once their day passed).
    Done once, like `pipeline_setup`."""
    if Note.objects.filter(contact_id=contact_id, author=author).exists():
        return
    now = timezone.now()
    Note.objects.bulk_create(
        Note(
            kind=[Note.Kind.CALL, Note.Kind.NOTE, Note.Kind.MEETING, Note.Kind.EMAIL][index % 4],
            contact_id=contact_id,
            author=author,
            body=f"Spoke about the account, week {index}: agreed the next order and chased what is owed.",
            happened_at=now - timedelta(days=7 * index + 1),
            created_at=now - timedelta(days=7 * index + 1),
            updated_at=now - timedelta(days=7 * index + 1),
        )
        for index in range(HISTORY_NOTES)
    )
    Task.objects.bulk_create(
        Task(
            title=f"Follow up, task {index}",
            due_on=timezone.localdate() + timedelta(days=30 - 13 * index),
            owner=author,
            contact_id=contact_id,
            created_by=author,
            created_at=now - timedelta(days=13 * index + 14),
            completed_at=now - timedelta(days=13 * index - 30) if 13 * index > 30 else None,
        )
        for index in range(HISTORY_TASKS)
    )


def setup(*, team_id: int) -> PageSetup:
    member = member_setup(team_id=team_id)
    opportunities = pipeline_setup(team_id=team_id, owner=member)
    busiest = (
        Invoice.objects.filter(contact__team_id=team_id)
        .values("contact_id")
        .annotate(n=Count("id"))
        .order_by("-n", "contact_id")
        .first()
    )
    if busiest is None:
        raise PageError("the sync attached no invoices to the team's contacts: nothing to measure")
    history_setup(contact_id=busiest["contact_id"], author=member)
    search_setup(team_id=team_id)
    # DEBUG is off, so templates use WhiteNoise's manifest, which collectstatic writes (as a deployment would).
    call_command("collectstatic", interactive=False, verbosity=0)
    return PageSetup(
        member=member,
        busiest_contact_id=busiest["contact_id"],
        busiest_contact_invoices=busiest["n"],
        visible_contacts=Contact.objects.filter(team_id=team_id).count(),
        open_opportunities=opportunities,
    )


def pages_of(setup_: PageSetup) -> list[tuple[str, str, bool]]:
    """(name, URL, HTMX request?) of every page measured."""
    contact_id = setup_.busiest_contact_id
    return [
        ("Dashboard", reverse("dashboard"), False),
        ("Contact list, first page", reverse("contacts:list"), False),
        ("Contact list, has overdue invoices", reverse("contacts:list") + "?overdue=on", False),
        (
            f"Contact page ({setup_.busiest_contact_invoices:,} invoices)",
            reverse("contacts:detail", args=[contact_id]),
            False,
        ),
        ("Its Xero panel (HTMX)", reverse("invoices:contact", args=[contact_id]), True),
        (
            f"Its history (HTMX; {HISTORY_NOTES} notes, {HISTORY_TASKS} tasks and the money events)",
            reverse("activity:contact_history", args=[contact_id]),
            True,
        ),
        (
            "Its history, money only (HTMX)",
            reverse("activity:contact_history", args=[contact_id]) + "?show=money",
            True,
        ),
        (
            "Its history, scrolled to page 10 (HTMX)",
            reverse("activity:contact_history", args=[contact_id]) + "?page=10",
            True,
        ),
        ("Its Xero card: link status (HTMX)", reverse("xero:contact_status", args=[contact_id]), True),
        (f"Pipeline ({setup_.open_opportunities} open opportunities)", reverse("opportunities:pipeline"), False),
        *search_pages(member=setup_.member),
    ]


def signed_in_client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def page_get(client: Client, url: str, *, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(url, headers=headers)


def page_measure(
    client: Client, *, name: str, url: str, htmx: bool, warm_ups: int = WARM_UPS, requests: int = REQUESTS
) -> PageTiming:
    """Time `requests` GETs of one page after `warm_ups`, and count the queries of one of them."""
    for _ in range(warm_ups):
        response = page_get(client, url, htmx=htmx)
        if response.status_code != 200:
            raise PageError(f"{name} ({url}) answered {response.status_code}")
    with CaptureQueriesContext(db_connection) as captured:
        response = page_get(client, url, htmx=htmx)
    queries = len(captured)  # now: the next request's start clears the connection's query log
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        page_get(client, url, htmx=htmx)
        seconds.append(time.perf_counter() - started)
    milliseconds = [1000 * value for value in seconds]
    return PageTiming(
        name=name,
        url=url,
        htmx=htmx,
        status_code=response.status_code,
        queries=queries,
        p50_ms=percentile(milliseconds, 0.5),
        p95_ms=percentile(milliseconds, 0.95),
        max_ms=max(milliseconds),
        size_kib=len(response.content) / 1024,
    )


def pages_measure(setup_: PageSetup, *, requests: int = REQUESTS) -> list[PageTiming]:
    client = signed_in_client(setup_.member)
    timings = [
        page_measure(client, name=name, url=url, htmx=htmx, requests=requests) for name, url, htmx in pages_of(setup_)
    ]
    return timings
