"""Issue 9, cases 22-29: the web side. OAuth's state and denial, tokens at rest and in logs, hostile names from
Xero, team isolation, who may change the Xero link, and CSRF; and issue 15's "who may see money".

Cases 26, 27 and 29 walk every URL pattern Django resolves (tests/faults/urls.py): a URL added later without an
entry in its table fails those tests until someone says how to call it."""

import fnmatch
import html
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from activity.models import Note, Task
from capsync.logging import KeyValueFormatter, RedactSecretsFilter
from contacts.models import Contact
from imports import services as import_services
from imports.models import Import
from integrations.xero import auth
from integrations.xero.models import MatchConflict, SyncRun, XeroConnection, XeroContact, XeroGrant
from opportunities.models import Opportunity, OpportunityLine
from tests.contacts.edit_form import edit_form
from tests.factories import MilestoneFactory, UserFactory
from tests.faults.hostile import ATTRIBUTE_BREAKER, BIDI, BIDI_SHOWN, ESCAPED_MARKERS, RAW_MARKERS, SCRIPT, HostileWorld
from tests.faults.money import SIX_FIGURES
from tests.signing_in import sign_in
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice
from tests.xero_world import wizard_identity

ADMIN_ONLY_URLS = [
    ("get", "xero:connect", []),
    ("post", "xero:authorize", []),
    ("get", "xero:callback", []),
    ("get", "xero:pick", []),
    ("post", "xero:pick", []),
    ("get", "xero:options", [1]),
    ("post", "xero:options", [1]),
    ("post", "xero:disconnect", [1]),
    ("post", "xero:sync_now", [1]),
    ("post", "admin:xero_matchconflict_resolve", [1, "ignore"]),
]


def _refresh_token(grant: XeroGrant) -> str:
    return auth.secret_decrypt(grant.refresh_token_encrypted)


def _access_token(grant: XeroGrant) -> str:
    return auth.secret_decrypt(grant.access_token_encrypted)


# Case 22: OAuth state


@pytest.mark.django_db
def test_wrong_state_is_refused_and_nothing_is_stored(admin_client, xero):
    """Case 22: an OAuth callback whose state is not the one this session started with is refused."""
    response = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id], state="forged-state")

    assert response.status_code == 400
    assert "did not start here" in response.text
    assert not XeroGrant.objects.exists()
    assert not XeroConnection.objects.exists()


@pytest.mark.django_db
def test_missing_state_is_refused(admin_client, xero):
    """Case 22: a callback without any state is refused and stores nothing."""
    response = admin_client.get(reverse("xero:callback"), {"code": "anything"})

    assert response.status_code == 400
    assert not XeroGrant.objects.exists()


# Case 23: access denied


@pytest.mark.django_db
def test_access_denied_at_xero_explains_and_the_wizard_can_start_again(admin_client, xero):
    """Case 23: "Cancel" at Xero's consent screen: a friendly page with a way back, and the wizard works again."""
    denied = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id], deny=True)
    nothing_connected = not XeroConnection.objects.exists()

    again = xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])

    assert denied.status_code == 200
    assert "You chose not to let Capsync into Xero" in denied.text
    assert reverse("xero:connect") in denied.text
    assert nothing_connected
    assert again.status_code == 302
    assert XeroConnection.objects.get().status == XeroConnection.Status.CONNECTED


# Case 24: tokens at rest


@pytest.mark.django_db
def test_tokens_are_not_in_a_database_dump(admin_client, xero, tmp_path):
    """Case 24: a database dump holds the tokens only encrypted."""
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
    grant = XeroGrant.objects.get()
    dump = tmp_path / "dump.json"

    call_command("dumpdata", output=str(dump))

    text = dump.read_text()
    assert _refresh_token(grant) not in text
    assert _access_token(grant) not in text
    assert grant.refresh_token_encrypted in text


def test_tokens_encrypted_with_an_old_key_still_decrypt_after_rotation(settings):
    """Case 24: after a key rotation (new key first) old tokens still decrypt and new ones use the new key."""
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CAPSYNC_ENCRYPTION_KEYS = [old_key]
    stored = auth.secret_encrypt("refresh-token-value")

    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key, old_key]

    assert auth.secret_decrypt(stored) == "refresh-token-value"
    assert Fernet(new_key.encode()).decrypt(auth.secret_encrypt("x").encode()) == b"x"


@pytest.mark.django_db
def test_a_connection_keeps_working_across_a_key_rotation(xero_consented, xero, settings):
    """Case 24: rotate the key of a live connection: Xero is still reached, and the refreshed tokens are stored
    under the new key."""
    new_key = Fernet.generate_key().decode()
    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key, *settings.CAPSYNC_ENCRYPTION_KEYS]
    expired = xero_consented.grant.access_token_expires_at + timedelta(minutes=1)

    organisation = auth.client_for(
        connection=xero_consented, identity=wizard_identity(), clock=lambda: expired
    ).organisation()

    grant = XeroGrant.objects.get()
    settings.CAPSYNC_ENCRYPTION_KEYS = [new_key]
    assert organisation.name == "Demo UK Ltd"
    assert _refresh_token(grant)
    assert _access_token(grant)


def test_a_token_from_a_removed_key_fails_with_a_clear_error(settings):
    """Case 24: a token whose key was removed fails with an error naming the setting to fix."""
    settings.CAPSYNC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    stored = auth.secret_encrypt("refresh-token-value")
    settings.CAPSYNC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(auth.TokenDecryptionError, match="CAPSYNC_ENCRYPTION_KEYS"):
        auth.secret_decrypt(stored)


# Case 25: logs


def test_every_configured_log_handler_redacts_secrets():
    """Case 25: the redaction filter sits on every handler Capsync configures (the backstop is always there)."""
    handlers = django_settings.LOGGING["handlers"]

    assert handlers
    assert all("redact_secrets" in handler.get("filters", []) for handler in handlers.values())


@pytest.mark.django_db
def test_no_token_or_secret_reaches_the_logs_even_at_debug(admin_client, xero):
    """Case 25: connect, refresh and sync with every logger at DEBUG (requests-oauthlib logs whole token
    answers there): no token, client secret or Authorization header comes out."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.addFilter(RedactSecretsFilter())
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id])
        grant = XeroGrant.objects.get()
        issued = [_access_token(grant), _refresh_token(grant)]
        expired = grant.access_token_expires_at + timedelta(minutes=1)
        auth.grant_access_token(grant_id=grant.pk, identity=wizard_identity(), now=expired)
        customer = xero_contact(name="Bluebell Bakery")
        load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
        connection = XeroConnection.objects.get()
        connection.default_team = UserFactory().teams.create(name="Sales")
        connection.save()
        synced = sync(connection)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)

    logged = output.getvalue()
    grant.refresh_from_db()
    assert "Refreshed Xero tokens" in logged
    assert "Organisation sync finished" in logged
    assert synced.outcome == SyncRun.Outcome.SUCCEEDED
    secrets = [*issued, _access_token(grant), _refresh_token(grant), xero.client_secret]
    for secret in secrets:
        assert secret not in logged
    assert "Bearer ey" not in logged


# Case 28: admins with MFA only


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "args"), ADMIN_ONLY_URLS)
def test_non_admins_get_403_on_every_xero_admin_action(client, method, name, args):
    """Case 28: a user who is not an admin cannot connect, disconnect, sync or resolve conflicts."""
    client.force_login(UserFactory(is_staff=name.startswith("admin:")))

    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "args"), ADMIN_ONLY_URLS)
def test_admins_without_two_factor_get_403_with_a_way_forward(client, method, name, args):
    """Case 28: an admin without two-factor authentication gets a 403 that links to setting it up."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 403
    assert reverse("mfa_activate_totp") in response.text


@pytest.mark.django_db
def test_an_admin_without_two_factor_cannot_resolve(client, match_conflict):
    """Case 28: a real conflict stays open when an admin without two-factor authentication tries to resolve it."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(reverse("admin:xero_matchconflict_resolve", args=[match_conflict.pk, "ignore"]))

    assert response.status_code == 403
    assert MatchConflict.objects.get().status == "open"


# Cases 26, 27, 29: every URL


@dataclass(frozen=True)
class Pattern:
    """One URL pattern of Capsync, as Django's resolver holds it."""

    key: str  # "namespace:name", or the route of an unnamed pattern
    route: str
    callback: object

    def sample_url(self) -> str:
        """A URL this pattern resolves, with a stand-in for each argument (enough for checks made before the view,
        like CSRF)."""
        url = re.sub(
            r"\(\?P<\w+>([^)]*)\)",
            lambda group: group[1].split("|")[0] if re.fullmatch(r"[\w|]+", group[1]) else "1",
            self.route.replace("^", "").replace("$", ""),
        )
        url = re.sub(r"<(?:\w+:)?\w+>", "1", url)
        return "/" + url


def url_patterns() -> list[Pattern]:
    """Every URL pattern Django resolves, walked recursively through includes (the admin's and allauth's too)."""
    found = []

    def walk(patterns: list, namespace: str, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            else:
                route = prefix + str(pattern.pattern)
                key = f"{namespace}{pattern.name}" if pattern.name else route
                found.append(Pattern(key=key, route=route, callback=pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def _admin_object(world: HostileWorld, key: str):
    """The first object of the model an admin URL name (admin:<app>_<model>_<action>) is about."""
    app_label, model_name = key.removeprefix("admin:").split("_")[:2]
    model = apps.get_model(app_label, model_name)
    found = model._default_manager.order_by("pk").first()
    assert found is not None, f"the hostile world has no {model.__name__}: add one to tests/faults/hostile.py"
    return found


def _admin_route_object(world: HostileWorld, route: str):
    """The object of an unnamed admin route admin/<app>/<model>/<path:object_id>/ (the "view on site" redirect)."""
    app_label, model_name = route.split("/")[1:3]
    return _admin_object(world, f"admin:{app_label}_{model_name}")


@dataclass(frozen=True)
class Route:
    """How the every-URL tests call one URL pattern: `url` builds it from the hostile world; `page` is True when
    a GET renders data to check for escaping (or says why not); `team` is True when its argument is one team's
    record, so another team must get 404 (or says why isolation does not apply)."""

    url: Callable[[HostileWorld, str], str]
    page: bool | str = True
    team: bool | str = "no team's record in the URL; the view lists only what the user may see"
    data: Callable[[HostileWorld], dict] = lambda world: {}  # what a POST sends (a change worth refusing)


def _named(*args: Callable[[HostileWorld], object] | int) -> Callable[[HostileWorld, str], str]:
    return lambda world, key: reverse(key, args=[arg if isinstance(arg, int) else arg(world) for arg in args])


CONTACT, OPPORTUNITY, CONNECTION = (lambda w: w.contact.pk), (lambda w: w.opportunity.pk), (lambda w: w.connection.pk)
WON, INSTALMENT = (lambda w: w.won_opportunity.pk), (lambda w: w.instalment.pk)
POST_ONLY = "POST-only action that redirects; what it changes is shown by the pages checked"


def _hostile_import(world: HostileWorld) -> int:
    """Team A's import of a file whose name, headers and rows are hostile, run once (so its report names them)
    and then left mapped again, so the pages show its preview, mapping and report."""
    found = Import.objects.filter(team=world.contact.team_id).first()
    if found is not None:
        return found.pk
    rows = [f"{SCRIPT},bad-{ATTRIBUTE_BREAKER}", f"{ATTRIBUTE_BREAKER} Ltd{BIDI},ok@hostile.example"]
    import_ = Import.objects.create(
        team_id=world.contact.team_id,
        filename=f"{SCRIPT}.csv",
        headers=[SCRIPT, f"Email {ATTRIBUTE_BREAKER}"],
        mapping=["name", "email:work"],
        default_kind="organisation",
        content="\n".join(
            [f'"{SCRIPT}","Email {ATTRIBUTE_BREAKER}"', *(f'"{a}","{b}"' for a, b in (row.split(",") for row in rows))]
        ),
    )
    import_services.import_queue(import_id=import_.pk)
    import_services.import_run(import_id=import_.pk, clock=lambda: world.contact.updated_at)
    return import_.pk


IMPORT = _hostile_import


def _hostile_line(world: HostileWorld) -> int:
    """A line item of team A's opportunity, described with hostile text."""
    line = world.opportunity.lines.first() or world.opportunity.lines.create(
        position=1, description=f"{SCRIPT} {ATTRIBUTE_BREAKER}", quantity=1, unit_amount=5
    )
    return line.pk


ADMIN_SITE = "the admin is for staff, who see every team"
ALLAUTH = "allauth's own page: shows the signed-in user's own account, never Xero or CRM data"
OWN_ACCOUNT = "the user's own account, not a team's record"
READ_ONLY = "the admin refuses it (403): what comes from Xero is read-only there"

# Every URL pattern must match one key (exact, else the first glob that fits). A new URL without an entry here
# fails test_every_url_pattern_is_in_the_table: say how to call it, and whether it shows data or names a record.
ROUTES: dict[str, Route] = {
    "dashboard": Route(_named()),
    "contacts:list": Route(_named()),
    "contacts:detail": Route(_named(CONTACT), team=True),
    "contacts:edit": Route(_named(CONTACT), team=True, data=lambda w: edit_form(name="Mine now")),
    "contacts:create": Route(
        lambda w, key: reverse(key, args=["person"]),
        team="creates in the user's own teams; its pickers list only what the user may see",
    ),
    "contacts:archive": Route(_named(CONTACT), page=POST_ONLY, team=True),
    "contacts:unarchive": Route(_named(CONTACT), page=POST_ONLY, team=True),
    "invoices:contact": Route(_named(CONTACT), team=True),
    "imports:new": Route(_named(), team="uploads into the user's own teams; lists only their teams' imports"),
    "imports:mapping": Route(_named(IMPORT), team=True, data=lambda w: {"kind": "contacts", "column_0": ""}),
    "imports:preview": Route(_named(IMPORT), team=True),
    "imports:start": Route(_named(IMPORT), page=POST_ONLY, team=True),
    "imports:detail": Route(_named(IMPORT), team=True),
    "imports:skipped": Route(_named(IMPORT), page="a CSV download of the file's own rows, not HTML", team=True),
    "opportunities:pipeline": Route(_named()),
    "opportunities:detail": Route(_named(OPPORTUNITY), team=True),
    "opportunities:create": Route(_named(), team="its contact picker lists only what the user may see"),
    "opportunities:contact_create": Route(
        _named(CONTACT),
        team=True,
        data=lambda w: {
            "name": "Mine now",
            "value": "1",
            "currency_code": "GBP",
            "milestone": w.opportunity.milestone_id,
        },
    ),
    "opportunities:edit": Route(
        _named(OPPORTUNITY),
        team=True,
        data=lambda w: {
            "name": "Mine now",
            "value": "1",
            "currency_code": "GBP",
            "milestone": w.opportunity.milestone_id,
        },
    ),
    "opportunities:close": Route(_named(OPPORTUNITY), team=True, data=lambda w: {"outcome": "lost", "reason": "x"}),
    "opportunities:reopen": Route(_named(WON), page=POST_ONLY, team=True),
    "opportunities:move": Route(
        _named(OPPORTUNITY),
        page=POST_ONLY,
        team=True,
        data=lambda w: {"milestone": MilestoneFactory(name="Won over").pk},
    ),
    "forecast:page": Route(_named()),
    "forecast:week": Route(_named(1)),
    "forecast:csv": Route(_named(), page="a CSV of figures: no names to escape (tests/forecast checks its isolation)"),
    "xero:integrations": Route(_named()),
    "xero:connect": Route(_named()),
    "xero:authorize": Route(_named(), page=POST_ONLY),
    "xero:callback": Route(_named(), page="needs an OAuth state from this session (case 22 tests it)"),
    "xero:webhooks": Route(_named(), page="answers Xero with empty bodies, never HTML"),
    "xero:pick": Route(_named(), page="lists organisations only during a consent (tests/xero/test_wizard.py)"),
    "xero:options": Route(_named(CONNECTION), team="an organisation belongs to no team; admins only (case 28)"),
    "xero:disconnect": Route(_named(CONNECTION), page=POST_ONLY, team="admins only (case 28)"),
    "xero:sync_now": Route(_named(CONNECTION), page=POST_ONLY, team="admins only (case 28)"),
    "xero:sync_status": Route(_named(CONNECTION), team="an organisation's sync belongs to no team"),
    "xero:contact_push": Route(_named(CONTACT), team=True),
    "xero:contact_push_retry": Route(_named(CONTACT), page=POST_ONLY, team=True),
    "xero:contact_status": Route(_named(CONTACT), team=True),
    "xero:contact_sync": Route(_named(CONTACT), page=POST_ONLY, team=True),
    "xero:health": Route(_named(), team="organisations belong to no team; admins only (case 28)"),
    "xero:errors_retry": Route(
        _named(), page=POST_ONLY, team="admins only (case 28)", data=lambda w: {"error": [w.sync_error.pk]}
    ),
    "xero:opportunity_quotes": Route(_named(OPPORTUNITY), team=True),
    "xero:quote_create": Route(_named(OPPORTUNITY), team=True),
    "xero:instalment_invoices_raise": Route(_named(WON), page=POST_ONLY, team=True),
    "xero:opportunity_invoices": Route(_named(WON), team=True),
    "xero:invoice_create": Route(_named(WON), team=True),
    "xero:opportunity_lines": Route(
        _named(OPPORTUNITY), team=True, data=lambda w: {"description": "Not yours", "quantity": "1", "unit_amount": "1"}
    ),
    "xero:opportunity_line_delete": Route(_named(OPPORTUNITY, _hostile_line), page=POST_ONLY, team=True),
    "xero:item_search": Route(_named(OPPORTUNITY), team=True),
    "opportunities:instalments": Route(_named(WON), team=True),
    "opportunities:instalments_create": Route(_named(OPPORTUNITY), page=POST_ONLY, team=True),
    "opportunities:instalments_edit": Route(_named(WON), team=True),
    "opportunities:instalments_invoicing": Route(
        _named(WON), page=POST_ONLY, team=True, data=lambda w: {"invoicing": "by_hand"}
    ),
    "opportunities:instalment_match": Route(_named(WON, INSTALMENT), page=POST_ONLY, team=True),
    "opportunities:contact_plans": Route(_named(CONTACT), team=True),
    "activity:my_tasks": Route(_named()),
    "activity:my_task_create": Route(_named(), page=POST_ONLY),
    "activity:task_complete": Route(_named(lambda w: w.task.pk), page=POST_ONLY, team=True),
    "activity:contact_history": Route(_named(CONTACT), team=True),
    "activity:contact_note_create": Route(
        _named(CONTACT), page=POST_ONLY, team=True, data=lambda w: {"kind": "call", "body": "Not yours"}
    ),
    "activity:contact_task_create": Route(
        _named(CONTACT), page=POST_ONLY, team=True, data=lambda w: {"title": "Not yours", "due_on": "2026-10-01"}
    ),
    "activity:opportunity_history": Route(_named(OPPORTUNITY), team=True),
    "activity:opportunity_note_create": Route(
        _named(OPPORTUNITY), page=POST_ONLY, team=True, data=lambda w: {"kind": "call", "body": "Not yours"}
    ),
    "activity:opportunity_task_create": Route(
        _named(OPPORTUNITY), page=POST_ONLY, team=True, data=lambda w: {"title": "Not yours", "due_on": "2026-10-01"}
    ),
    "activity:note": Route(
        _named(lambda w: w.note.pk),
        team=True,
        page="without HTMX it redirects to the contact page; the note's partial is what "
        "activity:contact_history lists, checked there",
    ),
    "activity:note_edit": Route(
        _named(lambda w: w.note.pk),
        team=True,
        data=lambda w: {f"note-{w.note.pk}-kind": "note", f"note-{w.note.pk}-body": "Mine"},
    ),
    "activity:note_delete": Route(_named(lambda w: w.note.pk), page=POST_ONLY, team=True),
    "search:results": Route(lambda w, key: reverse(key) + "?q=alert(1)"),  # finds names, deals and numbers
    "notifications:list": Route(_named()),
    "notifications:read": Route(
        _named(lambda w: w.notification.pk),
        page=POST_ONLY,
        team="the user's own notification; another user's gives 404 (tests/notifications)",
    ),
    "notifications:read_all": Route(_named(), page=POST_ONLY),
    "admin:index": Route(_named(), team=ADMIN_SITE),
    "admin:app_list": Route(lambda w, key: reverse(key, args=["xero"]), team=ADMIN_SITE),
    "admin:xero_matchconflict_resolve": Route(
        lambda w, key: reverse(key, args=[w.conflict.pk, "ignore"]), page=POST_ONLY, team=ADMIN_SITE
    ),
    "admin:auth_user_password_change": Route(
        lambda w, key: reverse(key, args=[_admin_object(w, "admin:accounts_user").pk]), team=ADMIN_SITE
    ),
    "admin:login": Route(_named(), page="the admin's sign-in form", team=ADMIN_SITE),
    "admin:logout": Route(_named(), page=POST_ONLY, team=ADMIN_SITE),
    "admin:password_change": Route(_named(), page="the admin's own password form", team=ADMIN_SITE),
    "admin:password_change_done": Route(_named(), page="a fixed message", team=ADMIN_SITE),
    "admin:autocomplete": Route(_named(), page="JSON for autocomplete widgets (none registered)", team=ADMIN_SITE),
    "admin:jsi18n": Route(_named(), page="JavaScript catalogue, no data", team=ADMIN_SITE),
    "admin:view_on_site": Route(lambda w, key: reverse(key, args=[1, 1]), page="a redirect", team=ADMIN_SITE),
    "admin:invoices_invoice_add": Route(_named(), page=READ_ONLY, team=ADMIN_SITE),
    "admin:invoices_invoice_delete": Route(_named(1), page=READ_ONLY, team=ADMIN_SITE),
    "admin:xero_*_add": Route(_named(), page=READ_ONLY, team=ADMIN_SITE),
    "admin:invoices_quote_add": Route(_named(), page=READ_ONLY, team=ADMIN_SITE),
    "admin:invoices_quote_delete": Route(_named(1), page=READ_ONLY, team=ADMIN_SITE),
    "admin:xero_matchconflict_delete": Route(
        _named(1), page="conflicts are kept as the audit: the admin refuses deleting them (403)", team=ADMIN_SITE
    ),
    "admin:*_changelist": Route(_named(), team=ADMIN_SITE),
    "admin:*_add": Route(_named(), team=ADMIN_SITE),
    "admin:*_change": Route(lambda w, key: reverse(key, args=[_admin_object(w, key).pk]), team=ADMIN_SITE),
    "admin:*_delete": Route(lambda w, key: reverse(key, args=[_admin_object(w, key).pk]), team=ADMIN_SITE),
    "admin:*_history": Route(lambda w, key: reverse(key, args=[_admin_object(w, key).pk]), team=ADMIN_SITE),
    "admin/*/*/<path:object_id>/": Route(
        lambda w, route: f"/{route.split('/<')[0]}/{_admin_route_object(w, route).pk}/",
        page="redirects to the change page",
        team=ADMIN_SITE,
    ),
    "admin/(?P<url>.*)$": Route(lambda w, route: "/admin/nowhere/", page="the admin's catch-all 404", team=ADMIN_SITE),
    "account_*": Route(lambda w, key: Pattern(key, _route_of(key), None).sample_url(), page=ALLAUTH, team=OWN_ACCOUNT),
    "mfa_*": Route(lambda w, key: Pattern(key, _route_of(key), None).sample_url(), page=ALLAUTH, team=OWN_ACCOUNT),
}


def _route_of(key: str) -> str:
    return next(pattern.route for pattern in url_patterns() if pattern.key == key)


def route_for(key: str) -> Route | None:
    if key in ROUTES:
        return ROUTES[key]
    return next((route for glob, route in ROUTES.items() if fnmatch.fnmatchcase(key, glob)), None)


ALL_KEYS = [pattern.key for pattern in url_patterns()]
PAGE_KEYS = [key for key in ALL_KEYS if route_for(key) and route_for(key).page is True]
TEAM_KEYS = [key for key in ALL_KEYS if route_for(key) and route_for(key).team is True]


def test_every_url_pattern_is_in_the_table():
    """Cases 26, 27: every URL pattern Django resolves has an entry in ROUTES (so a new page cannot be missed)."""
    missing = [key for key in ALL_KEYS if route_for(key) is None]

    assert missing == [], f"add these URL patterns to ROUTES in {__file__}: {missing}"
    assert len(PAGE_KEYS) > 40
    assert {
        "contacts:detail",
        "xero:contact_push",
        "admin:xero_matchconflict_change",
        "admin:xero_syncerror_change",
        "admin:xero_xeroconnection_changelist",
        "admin:xero_syncrun_change",
    } <= set(PAGE_KEYS)


@pytest.mark.django_db
@pytest.mark.parametrize("key", PAGE_KEYS)
def test_hostile_names_from_xero_are_escaped_on_every_page_and_partial(admin_client, hostile_world, key):
    """Case 26: names like <script>alert(1)</script> and "><img src=x onerror=alert(1)>, most brought in from Xero
    by a sync, appear escaped and never raw, on every page (whole and as its HTMX partial) and in the admin.
    Case i19.14: names holding bidirectional controls (U+202E and kin) show without them outside the admin."""
    url = route_for(key).url(hostile_world, key)

    pages = [admin_client.get(url), admin_client.get(url, headers={"HX-Request": "true"})]

    for page in pages:
        assert page.status_code in (200, 286), (url, page.status_code)  # 286: HTMX "stop polling", with HTML
        for marker in RAW_MARKERS:
            assert marker not in page.text, (url, marker)
        if not key.startswith("admin:"):  # the admin site's own templates show data as stored
            assert not set(BIDI) & set(shown_text(page.text)), (url, "bidirectional control shown")


def shown_text(page: str) -> str:
    """The page without what a form holds for editing (input values, textareas), which keeps data as stored."""
    return re.sub(r"<textarea[^>]*>.*?</textarea>", "", re.sub(r'value="[^"]*"', "", page), flags=re.S)


@pytest.mark.django_db
def test_the_hostile_names_do_reach_the_pages_escaped(admin_client, hostile_world):
    """Case 26: the check above is not vacuous: the pages that show Xero's names show them, escaped."""
    shown = [
        admin_client.get(route_for(key).url(hostile_world, key)).text
        for key in (
            "contacts:detail",
            "invoices:contact",
            "contacts:list",
            "activity:contact_history",
            "admin:xero_matchconflict_change",
            "admin:xero_syncerror_change",
            "admin:xero_xeroconnection_changelist",
            "search:results",
        )
    ]

    for text in shown:
        assert any(marker in text for marker in ESCAPED_MARKERS)
    assert all(any(marker in text for text in shown) for marker in ESCAPED_MARKERS)
    assert BIDI_SHOWN in shown[2]  # Case i19.14: the contact list shows the Xero name without its controls


@pytest.mark.django_db
@pytest.mark.parametrize("key", TEAM_KEYS)
def test_another_teams_user_gets_404_on_every_url_naming_a_record(client, hostile_world, team_b, key):
    """Case 27: every URL (page, partial and action) that names team A's record answers 404 to team B, whether
    read or posted to, and changes nothing."""
    client.force_login(UserFactory(email="outsider@example.com", teams=[team_b]))
    route = route_for(key)
    url, data = route.url(hostile_world, key), route.data(hostile_world)
    before = _team_a_state(hostile_world)

    plain = [client.get(url).status_code, client.post(url, data).status_code]
    htmx = [
        client.get(url, headers={"HX-Request": "true"}).status_code,
        client.post(url, data, headers={"HX-Request": "true"}).status_code,
    ]

    # The method the view takes answers 404; the other is refused (405) before any record is looked up.
    assert sorted(plain) in ([404, 404], [404, 405])
    assert htmx == plain
    assert _team_a_state(hostile_world) == before


def _team_a_state(world: HostileWorld) -> tuple:
    contact = Contact.objects.get(pk=world.contact.pk)
    opportunities = Opportunity.objects.order_by("pk").values_list("pk", "name", "milestone_id", "outcome")
    return (
        contact.name,
        contact.updated_at,
        contact.archived_at,
        list(opportunities),
        XeroContact.objects.get(contact=contact).push_state,
        list(Note.objects.order_by("pk").values_list("pk", "body", "updated_at")),
        list(Task.objects.order_by("pk").values_list("pk", "title", "completed_at")),
        list(OpportunityLine.objects.order_by("pk").values_list("pk", "description", "unit_amount")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/contacts/",
        "/contacts/?q=Ltd",
        "/contacts/?q=alert",
        "/pipeline/",
        "/forecast/",
        "/forecast/weeks/1/",
        "/search/?q=alert",
        "/search/?q=alert(1)",
        "/search/?q=INV",
    ],
)
def test_lists_and_search_show_another_team_none_of_its_records(client, hostile_world, team_b, url):
    """Case 27: lists, search results and the dashboard show team B none of team A's contacts or deals."""
    client.force_login(UserFactory(email="outsider@example.com", teams=[team_b]))

    pages = [client.get(url), client.get(url, headers={"HX-Request": "true"})]

    for page in pages:
        assert page.status_code == 200
        assert hostile_world.contact.name not in html.unescape(page.text)
        assert hostile_world.opportunity.name not in html.unescape(page.text)


# Issue 15, who may see money: every page and partial, walked like team isolation, as a team A member without
# the money permission, in a world whose accounts hold six-figure amounts (tests/faults/money.py). The admin site
# (staff, who always see money) and allauth's pages (the user's own account) are not walked.
# Refused with 403, their form pages too.
MONEY_ACTIONS = {
    "opportunities:instalments_create",
    "opportunities:instalments_edit",
    "opportunities:instalment_match",
    "opportunities:instalments_invoicing",
    "xero:instalment_invoices_raise",
    "xero:quote_create",
    "xero:invoice_create",
    "xero:opportunity_line_delete",
    "xero:item_search",
    "forecast:csv",
}
MONEY_PANELS = [
    "dashboard",
    "invoices:contact",
    "activity:contact_history",
    "activity:opportunity_history",
    "opportunities:instalments",
    "xero:opportunity_quotes",
    "xero:opportunity_invoices",
    "xero:opportunity_lines",
]  # where a user who may see money sees it
MONEY_WALK_KEYS = [key for key in ALL_KEYS if route_for(key) and not key.startswith(("admin", "account_", "mfa_"))]


@pytest.mark.django_db
@pytest.mark.parametrize("key", MONEY_WALK_KEYS)
def test_a_user_who_may_not_see_money_sees_no_amount_on_any_page_or_partial(client, money_world, team_a, key):
    """Issue 15: every page and HTMX partial (and every money action, which answers 403) shows a team member
    without "can see money" no amount from the accounts."""
    client.force_login(UserFactory(email="no-money@example.com", teams=[team_a], can_see_money=False))
    route = route_for(key)
    url = route.url(money_world, key)

    pages = [client.get(url), client.get(url, headers={"HX-Request": "true"})]
    if key in MONEY_ACTIONS:
        pages.append(client.post(url, route.data(money_world), headers={"HX-Request": "true"}))
        # The method the action takes answers 403; another is refused (405) before the view runs.
        statuses = {page.status_code for page in pages}
        assert statuses <= {403, 405}
        assert 403 in statuses

    for page in pages:
        shown = SIX_FIGURES.findall(page.text)
        assert shown == [], (url, page.status_code, shown)


@pytest.mark.django_db
@pytest.mark.parametrize("key", MONEY_PANELS)
def test_a_user_who_may_see_money_sees_the_six_figure_amounts(client, money_world, team_a, key):
    """Issue 15: the walk above is not vacuous: the same world, pages and member, with the permission, show the
    amounts."""
    client.force_login(UserFactory(email="money@example.com", teams=[team_a]))
    url = route_for(key).url(money_world, key)

    page = client.get(url, headers={"HX-Request": "true"} if key != "dashboard" else {})

    assert page.status_code == 200
    assert SIX_FIGURES.search(page.text), url


CSRF_EXEMPT = {"xero:webhooks": "Xero cannot send Capsync's CSRF token; its HMAC signature is checked instead"}


def test_only_the_webhook_is_exempt_from_csrf():
    """Case 29: no view opts out of CSRF except those listed (with why) in CSRF_EXEMPT."""
    exempt = {pattern.key for pattern in url_patterns() if getattr(pattern.callback, "csrf_exempt", False)}

    assert exempt == set(CSRF_EXEMPT)


@pytest.mark.django_db
@pytest.mark.parametrize("key", [key for key in ALL_KEYS if key not in CSRF_EXEMPT])
def test_every_state_changing_request_needs_the_csrf_token(mfa_admin, key):
    """Case 29: a POST (plain or from HTMX) without the CSRF token is refused with 403 on every URL."""
    client = sign_in(Client(enforce_csrf_checks=True), mfa_admin)
    url = next(pattern for pattern in url_patterns() if pattern.key == key).sample_url()

    responses = [
        client.post(url),
        client.post(url, headers={"HX-Request": "true"}),
        client.post(url, headers={"HX-Request": "true", "X-CSRFToken": "not-the-token"}),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403], url
    assert all("CSRF" in response.text for response in responses)


@pytest.mark.django_db
def test_htmx_requests_carry_the_csrf_token_and_pass(member, hostile_world):
    """Case 29: pages hand htmx the token (hx-headers on <body>), and an HTMX action sending it goes through,
    its answer escaped like any partial."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(reverse("opportunities:pipeline"))
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page.text)[1]
    later = MilestoneFactory(name="Proposal sent")

    moved = client.post(
        reverse("opportunities:move", args=[hostile_world.opportunity.pk]),
        {"milestone": later.pk},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )

    assert moved.status_code == 200
    assert "pipeline-changed" in moved.headers["HX-Trigger"]
    assert not any(marker in moved.text for marker in RAW_MARKERS)
    assert Opportunity.objects.get(pk=hostile_world.opportunity.pk).milestone == later
