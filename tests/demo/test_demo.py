from datetime import UTC, date, datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.models import Team, User
from accounts.selectors import user_sees_money
from activity.history import Show, contact_history
from activity.models import Note, Task
from contacts.models import Contact, EmailAddress
from contacts.selectors import contacts_visible_to
from demo import services as demo
from integrations.xero.models import XeroConnection
from invoices.overdue import org_today
from opportunities.models import Opportunity
from opportunities.selectors import instalment_plan_detail
from tests.factories import UserFactory
from tests.sandbox import SandboxControl, SandboxProcess
from tests.signing_in import sign_in
from tests.xero.sync_data import sync
from tests.xero_world import xero_world

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "teams": Team.objects.count(),
        "contacts": Contact.objects.count(),
        "emails": EmailAddress.objects.count(),
        "opportunities": Opportunity.objects.count(),
    }


def test_demo_loader_creates_a_browsable_crm():
    demo.demo_data_load(today=date(2026, 11, 25))

    counts = _counts()
    assert counts["contacts"] >= 50
    assert counts["opportunities"] >= 30
    assert User.objects.get(email=demo.DEMO_ADMIN_EMAIL).check_password(demo.DEMO_PASSWORD)


def test_demo_loader_run_twice_creates_no_duplicates():
    demo.demo_data_load(today=date(2026, 11, 25))
    first = _counts()

    demo.demo_data_load(today=date(2026, 11, 26))

    assert _counts() == first


def test_the_demo_gives_acme_a_living_history_once():
    demo.demo_data_load(today=date(2026, 11, 25))
    demo.demo_data_load(today=date(2026, 11, 26))
    acme = Contact.objects.get(name="Acme Widgets Ltd")
    sam = User.objects.get(email="sam@example.com")

    page = contact_history(
        user=sam, contact_id=acme.pk, show=Show.NOTES, page=1, now=datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    )

    kinds = [item.note.kind if item.note else "task" for item in page.items]
    assert (Note.objects.count(), Task.objects.count()) == (6, 5)
    assert {"call", "meeting", "email", "note", "task"} == set(kinds)
    assert Task.objects.filter(owner=sam, due_on=date(2026, 11, 24), completed_at__isnull=True).exists()


def test_demo_users_see_only_their_team():
    demo.demo_data_load(today=date(2026, 11, 25))
    pacific_member = User.objects.get(email="mere@example.com")

    teams = set(contacts_visible_to(user=pacific_member).values_list("team__name", flat=True))

    assert teams == {"Pacific"}


def test_the_demo_has_a_salesperson_who_may_not_see_money_beside_one_who_may():
    demo.demo_data_load(today=date(2026, 11, 25))
    sees = {user.email: user_sees_money(user=user) for user in User.objects.all()}
    pat, sam = User.objects.get(email="pat@example.com"), User.objects.get(email="sam@example.com")

    assert sees == {
        "demo@example.com": True,
        "sam@example.com": True,
        "pat@example.com": False,
        "alex@example.com": True,
        "mere@example.com": True,
    }
    assert set(pat.teams.all()) == set(sam.teams.all())
    assert set(contacts_visible_to(user=pat)) == set(contacts_visible_to(user=sam))


@pytest.fixture(scope="module")
def demo_sandbox():
    """A sandbox started as `make demo` starts it: seeded with the two demo organisations."""
    process = SandboxProcess(["--port", "0", "--seed", "demo"])
    try:
        yield SandboxControl(process.url)
    finally:
        process.stop()


def test_the_demo_won_sale_shows_its_instalments_after_the_first_sync(demo_sandbox, settings, client):
    xero_admin = UserFactory(email="owner@example.com", is_staff=True, is_superuser=True)
    TOTP.activate(xero_admin, generate_totp_secret())  # the Xero wizard asks for two-factor sign-in
    sign_in(client, xero_admin)
    tenants = {t["base_currency"]: t for t in demo_sandbox._call("GET", "tenants")["tenants"]}
    uk = tenants["GBP"]
    now = demo_sandbox.now()
    demo.demo_data_load(today=org_today(now=now, timezone_name=uk["iana_timezone"] or uk["timezone"]))
    world = xero_world(
        demo_sandbox,
        settings,
        redirect_uri="http://testserver/integrations/xero/callback/",
        tenant_ids=(uk["tenant_id"], tenants["NZD"]["tenant_id"]),
    )
    world.consent(client, tenant_ids=[uk["tenant_id"]])
    linked = XeroConnection.objects.get()
    client.post(
        reverse("xero:options", args=[linked.pk]),
        {"suppliers": "ignore", "default_team": Team.objects.get(name="Sales").pk, "sync_interval_seconds": 7200},
    )

    finished = sync(linked)

    assert finished.counts["instalments_matched"] == 5
    plan = instalment_plan_detail(
        user=User.objects.get(email=demo.DEMO_ADMIN_EMAIL), opportunity_id=demo.INSTALMENT_SALE_ID, now=now
    )
    next_due = plan.rows[4].status.due_on
    assert plan.progress == f"3 of 6 paid, 1 overdue by 12 days, next due {next_due.day} {next_due:%b}" + (
        f" {next_due.year}" if next_due.year != plan.today.year else ""
    )
    assert [row.status.label for row in plan.rows][3:] == [
        "Overdue 12 days",
        "Part-paid · Due in 18 days",
        "Not invoiced",
    ]
