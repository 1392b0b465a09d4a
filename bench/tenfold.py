"""Pages at ten times the sync benchmark's size (issue 18): contacts and invoices loaded straight into PostgreSQL.

`python -m bench --pages-only --contacts 100000 --invoices 1000000` recreates the benchmark database, migrates it,
and loads one accounting organisation linked to Xero, its contacts (with an email, a phone and the Xero link each)
and its invoices, credit notes and payments with PostgreSQL's COPY, without syncing; then it times the CRM's
busiest pages as `bench.pages` does, signed in as a member (not an admin) of the team most contacts are in.
Import this module only after `django.setup()`.

The data is made up but shaped like a trading business: a few customers have hundreds of invoices and most have a
handful (the busiest of 100,000 gets about 460 of 1,000,000); issue dates spread over three years; 60 % of the
last 60 days' invoices are still owed and 1.5 % of older ones (so about half of what is owed is overdue), 2 %
are drafts, 3 % voided, 5 % bills, 1 % credit notes, the rest paid; 10 % of documents are in EUR or USD.
Generated from a fixed seed, so two runs load the same rows.
"""

import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection as db_connection
from django.db import models
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.models import Team
from bench import pages
from contacts.matching import name_key
from contacts.models import Contact, EmailAddress, PhoneNumber
from integrations.xero.models import XeroConnection, XeroContact, XeroGrant
from invoices.models import Invoice, Organisation, Payment

SEED = 18
MEMBER_TEAM_SHARE = 0.9  # of contacts in the signed-in member's team; the rest are another team's
SKEW = 1.5  # invoice i goes to contact int(N * random() ** SKEW): a few busy customers, a long tail
WORDS = (
    "Acorn",
    "Amber",
    "Anchor",
    "Apex",
    "Arbor",
    "Aspen",
    "Atlas",
    "Beacon",
    "Birch",
    "Bluebell",
    "Bramble",
    "Bridge",
    "Brook",
    "Cedar",
    "Clover",
    "Coast",
    "Copper",
    "Crest",
    "Delta",
    "Ember",
    "Falcon",
    "Fern",
    "Harbour",
    "Hazel",
    "Heron",
    "Juniper",
    "Kestrel",
    "Lantern",
    "Larch",
    "Linden",
    "Maple",
    "Meadow",
    "Mill",
    "Oak",
    "Orchard",
    "Pine",
    "Quarry",
    "Quay",
    "Raven",
    "Ridge",
    "River",
    "Rowan",
    "Sage",
    "Slate",
    "Summit",
    "Thistle",
    "Willow",
    "Wren",
)
TRADES = (
    "Bakery",
    "Builders",
    "Café",
    "Consulting",
    "Design",
    "Foods",
    "Gardens",
    "Interiors",
    "Joinery",
    "Logistics",
    "Media",
    "Print",
    "Studio",
)


@dataclass(frozen=True)
class Loaded:
    team_id: int
    contacts: int
    invoices: int
    payments: int
    load_seconds: float


def _column_defaults(model: type[models.Model], now: datetime) -> dict[str, object]:
    defaults: dict[str, object] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        elif isinstance(field, (models.CharField, models.TextField)) and not field.null:
            defaults[field.attname] = ""
        else:
            defaults[field.attname] = None
    return defaults


def copy_rows(model: type[models.Model], rows: Iterable[dict[str, object]], *, now: datetime) -> int:
    """COPY rows (dicts by attname; the model's defaults fill the other columns) into the model's table."""
    defaults = _column_defaults(model, now)
    columns = list(defaults)
    json_columns = {field.attname for field in model._meta.concrete_fields if isinstance(field, models.JSONField)}
    count = 0
    with (
        db_connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = {**defaults, **row}
            copy.write_row([Jsonb(values[column]) if column in json_columns else values[column] for column in columns])
            count += 1
    return count


def _name(rng: random.Random, n: int) -> tuple[str, str, str, str]:
    """(kind, name, first name, last name) of the n-th contact; names repeat, so sorting and search are realistic."""
    if n % 4 == 0:
        first, last = rng.choice(WORDS), rng.choice(WORDS)
        return "person", f"{first} {last}", first, last
    return "organisation", f"{rng.choice(WORDS)} {rng.choice(TRADES)} {n:06d}", "", ""


def _invoices(
    rng: random.Random,
    *,
    organisation_id: int,
    contact_ids: list[int],
    xero_ids: list[str],
    count: int,
    today: date,
    now: datetime,
):
    """Invoice rows and, for each paid one, its payment (as (invoice row, payment or None))."""
    for n in range(count):
        index = int(len(contact_ids) * rng.random() ** SKEW)
        issued = today - timedelta(days=rng.randrange(3 * 365))
        due = issued + timedelta(days=30)
        total = Decimal(rng.randrange(2_000, 500_000)) / 100
        roll = rng.random()
        kind, type_, status, amount_due, remaining = "invoice", "ACCREC", "PAID", Decimal("0.00"), Decimal("0.00")
        # Customers pay: most recent invoices are still owed, few older ones (the ones chased as overdue).
        owed_share = 0.6 if (today - issued).days <= 60 else 0.015
        if roll < owed_share:
            status, amount_due = "AUTHORISED", total if rng.random() < 0.8 else (total / 2).quantize(Decimal("0.01"))
        elif roll < owed_share + 0.02:
            status, amount_due = "DRAFT", total
        elif roll < owed_share + 0.05:
            status = "VOIDED"
        elif roll < owed_share + 0.10:
            type_ = "ACCPAY"
        elif roll < owed_share + 0.11:
            kind, type_, status, remaining = "credit_note", "ACCRECCREDIT", "AUTHORISED", total
        currency, rate = (
            ("GBP", None)
            if rng.random() < 0.9
            else rng.choice([("EUR", Decimal("1.170000")), ("USD", Decimal("1.270000"))])
        )
        paid = total - amount_due if kind == "invoice" and status in {"AUTHORISED", "PAID"} else Decimal("0.00")
        row = {
            "organisation_id": organisation_id,
            "xero_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "contact_id": contact_ids[index],
            "xero_contact_id": xero_ids[index],
            "kind": kind,
            "type": type_,
            "status": status,
            "number": f"INV-{n:07d}" if kind == "invoice" else f"CN-{n:07d}",
            "reference": "",
            "issued_on": issued,
            "due_on": due if kind == "invoice" else None,
            "currency_code": currency,
            "currency_rate": rate,
            "sub_total": total,
            "total_tax": Decimal("0.00"),
            "total": total,
            "amount_due": amount_due,
            "amount_paid": paid,
            "amount_credited": Decimal("0.00"),
            "remaining_credit": remaining,
            "fully_paid_on": due if status == "PAID" else None,
            "xero_updated_at": now - timedelta(days=(today - issued).days),
            "synced_at": now,
        }
        payment = (
            {
                "xero_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "paid_on": min(due, today),
                "amount": paid,
                "currency_rate": rate,
                "status": "AUTHORISED",
            }
            if paid > 0
            else None
        )
        yield row, payment


def load(*, contacts: int, invoices: int, seed: int = SEED) -> Loaded:
    """Load the organisation, its contacts and invoices into the (freshly migrated) database; ANALYZE it."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    today = now.astimezone(UTC).date()
    team = Team.objects.create(name="Xero customers")
    other = Team.objects.create(name="Another office")
    organisation = Organisation.objects.create(
        name="Tenfold Trading", short_code="!TEN", base_currency="GBP", timezone="Europe/London"
    )
    # A live link (its tokens are placeholders: nothing here calls Xero), so the pages show their Xero parts.
    grant = XeroGrant.objects.create(
        access_token_encrypted="-", refresh_token_encrypted="-", access_token_expires_at=now + timedelta(minutes=30)
    )
    xero_connection = XeroConnection.objects.create(
        grant=grant,
        tenant_id=str(uuid.uuid4()),
        organisation=organisation,
        is_configured=True,
        default_team=team,
        connected_at=now,
        last_successful_sync_at=now,
    )
    names = [_name(rng, n) for n in range(contacts)]
    copy_rows(
        Contact,
        (
            {
                "kind": kind,
                "name": name,
                "name_key": name_key(name),  # COPY skips the key's pre_save (contacts.models.NameKeyField)
                "first_name": first,
                "last_name": last,
                "team_id": team.pk if rng.random() < MEMBER_TEAM_SHARE else other.pk,
            }
            for kind, name, first, last in names
        ),
        now=now,
    )
    contact_ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    copy_rows(EmailAddress, ({"contact_id": pk, "address": f"accounts{pk}@example.com"} for pk in contact_ids), now=now)
    copy_rows(PhoneNumber, ({"contact_id": pk, "number": f"020 7{pk:07d}"} for pk in contact_ids), now=now)
    xero_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in contact_ids]
    copy_rows(
        XeroContact,
        (
            {
                "connection_id": xero_connection.pk,
                "xero_id": xero_id,
                "contact_id": pk,
                "link_state": "linked",
                "name": name,
                "email": f"accounts{pk}@example.com",
                "is_customer": True,
                "is_paying": True,
                "xero_updated_at": now,
                "pushed_at": now,
            }
            for pk, xero_id, (_, name, _, _) in zip(contact_ids, xero_ids, names, strict=True)
        ),
        now=now,
    )
    paid: list[tuple[str, dict]] = []

    def invoice_rows():
        for row, payment in _invoices(
            rng,
            organisation_id=organisation.pk,
            contact_ids=contact_ids,
            xero_ids=xero_ids,
            count=invoices,
            today=today,
            now=now,
        ):
            if payment:
                paid.append((row["xero_id"], payment))
            yield row

    copy_rows(Invoice, invoice_rows(), now=now)
    ids = dict(Invoice.objects.filter(organisation=organisation).values_list("xero_id", "pk"))
    payments = copy_rows(Payment, ({"invoice_id": ids[xero_id], **payment} for xero_id, payment in paid), now=now)
    with db_connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by the time anyone reads these pages
    return Loaded(
        team_id=team.pk,
        contacts=contacts,
        invoices=invoices,
        payments=payments,
        load_seconds=time.perf_counter() - started,
    )


def loaded_before() -> Loaded:
    """What an earlier `load` put in this database, to time the pages again without loading it again."""
    team = Team.objects.get(name="Xero customers")
    return Loaded(
        team_id=team.pk,
        contacts=Contact.objects.count(),
        invoices=Invoice.objects.count(),
        payments=Payment.objects.count(),
        load_seconds=0.0,
    )


def measure(loaded: Loaded, *, requests: int) -> tuple[pages.PageSetup, list[pages.PageTiming]]:
    """Time the pages as the sync benchmark does, signed in as a member of the team most contacts are in."""
    setup = pages.setup(team_id=loaded.team_id)
    return setup, pages.pages_measure(setup, requests=requests)
