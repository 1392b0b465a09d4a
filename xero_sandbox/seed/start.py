"""What a sandbox starts with, and goes back to on reset: the demo and benchmark organisations, app and user.

``--seed demo`` adds the two demo organisations, ``--contacts/--invoices`` a generated "Benchmark Org". With either
(or ``--webhook-url``) there is also the demo app and a user who may connect every seeded organisation. Tenant and
user ids are fixed (uuid5), so they are the same on every start.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from xero_sandbox import tenants
from xero_sandbox.records import App, SandboxOptions, Tenant, User
from xero_sandbox.seed.demo import demo_tenant_data
from xero_sandbox.seed.generate import generate

DEMO_CLIENT_ID = "capsync-demo"
DEMO_CLIENT_SECRET = "demo-secret"
DEMO_REDIRECT_URIS = (
    "http://127.0.0.1:8000/integrations/xero/callback/",
    "http://localhost:8000/integrations/xero/callback/",
)
DEMO_USER_EMAIL = "demo@example.com"
DEMO_USER_PASSWORD = "demo"
# (which, name, base currency, time zone) of each demo organisation.
DEMO_ORGANISATIONS = (
    ("uk", "Demo Company (UK)", "GBP", "Europe/London"),
    ("nz", "Demo Company (NZ)", "NZD", "Pacific/Auckland"),
)
BENCHMARK_ORGANISATION = ("Benchmark Org", "GBP", "Europe/London")


@dataclass(frozen=True)
class StartRecords:
    tenants: list[Tenant] = field(default_factory=list)
    apps: list[App] = field(default_factory=list)
    users: list[User] = field(default_factory=list)


def _fixed_id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"xero-sandbox/{name}")


def start_records(options: SandboxOptions, *, now: datetime) -> StartRecords:
    """The records a sandbox started with these options holds before anything else happens."""
    seeded: list[Tenant] = []
    if options.seed == "demo":
        for which, name, currency, tz in DEMO_ORGANISATIONS:
            meta = tenants.tenant_meta(
                tenant_id=str(_fixed_id(f"demo/{which}")), name=name, base_currency=currency, timezone=tz, now=now
            )
            data = demo_tenant_data(
                which=which,
                tenant_id=meta.tenant_id,
                organisation=tenants.organisation_of(meta),
                today=now.astimezone(ZoneInfo(tz)).date(),
            )
            seeded.append(Tenant(meta=meta, data=data))
    if options.contacts or options.invoices:
        name, currency, tz = BENCHMARK_ORGANISATION
        many = options.organisations > 1
        for number in range(1, options.organisations + 1):
            # One organisation keeps the name and id it always had; several are numbered, with the same documents.
            meta = tenants.tenant_meta(
                tenant_id=str(_fixed_id(f"benchmark/{number}" if many else "benchmark")),
                name=f"{name} {number:03}" if many else name,
                base_currency=currency,
                timezone=tz,
                now=now,
            )
            if number == 1:
                data = first = generate(
                    tenant_id=meta.tenant_id,
                    organisation=tenants.organisation_of(meta),
                    contacts=options.contacts or 0,
                    invoices=options.invoices or 0,
                    seed=42,
                    today=now.astimezone(ZoneInfo(tz)).date(),
                )
            else:
                # Generating each one took 3-11 s and its own memory (100 organisations would not start within
                # the benchmark's timeout): the others are clones sharing the first one's documents (store.py),
                # each with its own contacts (names and emails numbered), so no two organisations share people.
                data = first.clone(organisation=tenants.organisation_of(meta), contact_suffix=f"{number:03}")
            seeded.append(Tenant(meta=meta, data=data))
    if not seeded and not options.webhook_url:
        return StartRecords()
    app = App(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        name="Capsync Demo",
        redirect_uris=list(DEMO_REDIRECT_URIS),
        webhook_url=options.webhook_url,
        webhook_key=options.webhook_key,
    )
    user = User(
        email=DEMO_USER_EMAIL,
        password=DEMO_USER_PASSWORD,
        name="Demo User",
        tenant_ids=[t.meta.tenant_id for t in seeded],
        xero_userid=str(_fixed_id("demo-user")),
        sub=_fixed_id("demo-user-sub").hex,
    )
    return StartRecords(tenants=seeded, apps=[app], users=[user])
