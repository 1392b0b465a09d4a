"""Issue 14, client side: where real Xero behaves otherwise than Capsync assumed (docs/xero.md gives the sources).

Each test fails on the client as it was before the fix and passes against the sandbox, which behaves as Xero does.
"""

import importlib
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection as database
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from integrations.xero import auth, client, services
from integrations.xero.client import resources
from integrations.xero.models import CreateRequest, SyncError, SyncRun, WebhookEvent, XeroConnection, XeroGrant
from invoices.models import Invoice, Quote
from tests.xero.quote_data import form_data, sandbox_quotes, submit
from tests.xero.sync_data import Sleeps, load, sync
from tests.xero.webhook_data import delivery, event, post
from tests.xero_records import xero_contact, xero_credit_note, xero_invoice
from tests.xero_world import refresh_calls, wizard_identity

pytestmark = pytest.mark.django_db

ACCOUNTING = "/api/api.xro/2.0"


def _calls(xero, *, since_id: int = 0, under: str) -> list[dict]:
    return [
        call
        for call in xero.sandbox.calls(since_id=since_id)["calls"]
        if call["path"].startswith(f"{ACCOUNTING}/{under}")
    ]


@pytest.fixture
def xero_client(xero_connection) -> client.XeroClient:
    return auth.client_for(connection=xero_connection, identity=wizard_identity(), clock=timezone.now)


@pytest.fixture
def customer(xero) -> dict:
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    return customer


# --- 1. GET /CreditNotes has no IDs filter ------------------------------------------------------------------------


def test_credit_notes_asked_for_by_id_are_fetched_one_at_a_time_never_with_ids(xero, xero_client, customer):
    wanted, other = xero_credit_note(contact=customer), xero_credit_note(contact=customer)
    xero.sandbox.load(xero.uk_tenant_id, {"CreditNotes": [other, wanted]})
    unknown = str(uuid.uuid4())
    since = xero.sandbox.calls()["last_id"]

    pages = list(xero_client.credit_notes(modified_since=None, ids=[wanted["CreditNoteID"], unknown]))

    calls = _calls(xero, since_id=since, under="CreditNotes")
    assert [note.credit_note_id for page in pages for note in page.records] == [wanted["CreditNoteID"]]
    assert [call["path"] for call in calls] == [
        f"{ACCOUNTING}/CreditNotes/{wanted['CreditNoteID']}",
        f"{ACCOUNTING}/CreditNotes/{unknown}",
    ]
    assert all("IDs" not in (call.get("query") or "") for call in calls)


def test_a_parameter_the_resource_does_not_take_is_refused_before_any_call(xero_client):
    calls_before = xero_client.calls

    with pytest.raises(ValueError, match="CreditNotes takes no IDs"):
        xero_client.records(resources.CREDIT_NOTES, modified_since=None, params={"IDs": str(uuid.uuid4())})

    assert xero_client.calls == calls_before


@pytest.mark.usefixtures("webhook_key")
def test_a_webhook_run_reads_only_the_named_credit_note_and_keeps_an_id_xero_did_not_return(
    client, xero, xero_connection, customer, tasks_run_inline
):
    named = xero_credit_note(contact=customer, total="30.00")
    unnamed = xero_credit_note(contact=customer, total="40.00")
    xero.sandbox.load(xero.uk_tenant_id, {"CreditNotes": [named, unnamed]})
    sync(xero_connection)
    xero.sandbox.clock_advance(5)
    xero.sandbox.load(xero.uk_tenant_id, {"CreditNotes": [{**named, "Total": 31.0}, {**unnamed, "Total": 41.0}]})
    missing = str(uuid.uuid4())

    tasks_run_inline(
        lambda: post(
            client,
            delivery(
                event(xero.uk_tenant_id, named["CreditNoteID"], category="CREDITNOTE"),
                event(xero.uk_tenant_id, missing, category="CREDITNOTE"),
            ),
        )
    )

    run = SyncRun.objects.filter(kind=SyncRun.Kind.WEBHOOK).get()
    assert run.outcome == SyncRun.Outcome.SUCCEEDED, run.message
    assert Invoice.objects.get(xero_id=named["CreditNoteID"]).total == Decimal("31.00")
    assert Invoice.objects.get(xero_id=unnamed["CreditNoteID"]).total == Decimal("40.00")  # not asked for
    assert list(WebhookEvent.objects.filter(processed_at__isnull=True).values_list("resource_id", flat=True)) == [
        missing
    ]


def test_fetching_a_quarantined_credit_note_again_resolves_it_only_if_it_came_back_readable(
    xero, xero_connection, customer
):
    notes = [xero_credit_note(contact=customer) for _ in range(resources.PAGE_SIZE)]
    xero.sandbox.load(xero.uk_tenant_id, {"CreditNotes": notes})
    xero.sandbox.clock_advance(5)  # the broken one is the newest: not on Xero's first page in its default order
    broken = {**xero_credit_note(contact=customer), "Contact": {"Name": "Walk-in"}}
    xero.sandbox.load(xero.uk_tenant_id, {"CreditNotes": [broken]})
    sync(xero_connection)
    error = SyncError.objects.get(record_id=broken["CreditNoteID"])
    services.sync_errors_retry(error_ids=[error.pk], now=timezone.now())
    sync(xero_connection, kind=SyncRun.Kind.WEBHOOK)

    error.refresh_from_db()
    assert error.resolved_at is None  # Xero still sends it without a contact


# --- 2. Refresh without scope; scopes stored as Xero writes them ----------------------------------------------------


def test_a_refresh_sends_no_scope_so_a_scope_added_later_cannot_fail_it(xero_consented, xero, settings):
    settings.XERO_SCOPES = [*settings.XERO_SCOPES, "accounting.attachments"]
    expired = xero_consented.grant.access_token_expires_at + timedelta(minutes=1)

    auth.grant_access_token(grant_id=xero_consented.grant_id, identity=wizard_identity(), now=expired)

    (refresh,) = refresh_calls(xero.sandbox)
    assert "scope" not in refresh["request_body"]


def test_granted_scopes_are_stored_as_xeros_space_separated_string(xero_consented, settings):
    stored = XeroGrant.objects.get().scopes

    assert stored.split(" ") == list(settings.XERO_SCOPES)


def test_the_migration_rewrites_scopes_stored_as_a_python_list(xero_consented):
    XeroGrant.objects.update(scopes="['openid', 'profile', 'accounting.contacts']")
    migration = importlib.import_module("integrations.xero.migrations.0008_grant_scopes_space_separated")

    migration.scopes_space_separated(apps, None)

    assert XeroGrant.objects.get().scopes == "openid profile accounting.contacts"


# --- 5. 401 AuthorizationUnsuccessful is not always a missing scope ---------------------------------------------


@pytest.mark.xero_contract_exempt("injects Xero's answer for a tier-gated endpoint")
def test_a_refused_endpoint_whose_scope_was_granted_pauses_nothing_and_says_why(xero, xero_connection, admin_client):
    xero.sandbox.fault(match=f"^{ACCOUNTING}/Invoices", kind="401-authorization", count=1)

    refused = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    xero_connection.refresh_from_db()
    assert XeroGrant.objects.get().status == XeroGrant.Status.ACTIVE
    assert xero_connection.status == XeroConnection.Status.CONNECTED
    assert "pricing tier" in refused.message
    assert "pricing tier" in admin_client.get(reverse("xero:health")).text
    assert sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL).outcome == SyncRun.Outcome.SUCCEEDED


@pytest.mark.xero_contract_exempt("injects Xero's refusal for an organisation no longer connected")
def test_a_refusal_for_an_organisation_no_longer_connected_disconnects_only_that_one(xero, admin_client):
    xero.consent(admin_client, tenant_ids=[xero.uk_tenant_id, xero.nz_tenant_id])
    admin_client.post(reverse("xero:pick"), {"tenant_ids": [xero.uk_tenant_id, xero.nz_tenant_id]})
    team = Team.objects.create(name="Xero customers")
    for linked in XeroConnection.objects.all():
        admin_client.post(
            reverse("xero:options", args=[linked.pk]),
            {"suppliers": "ignore", "default_team": team.pk, "sync_interval_seconds": 7200},
        )
    uk = XeroConnection.objects.get(tenant_id=xero.uk_tenant_id)
    identity = wizard_identity()
    identity.disconnect(
        access_token=auth.grant_access_token(grant_id=uk.grant_id, identity=identity, now=timezone.now()),
        connection_id=uk.xero_connection_id,
    )
    xero.sandbox.fault(match=f"^{ACCOUNTING}/", kind="401-authorization", tenant_id=xero.uk_tenant_id, count=1)

    refused = sync(uk, kind=SyncRun.Kind.INCREMENTAL)

    assert "removed in Xero" in refused.message
    assert dict(XeroConnection.objects.values_list("tenant_id", "status")) == {
        xero.uk_tenant_id: XeroConnection.Status.DISCONNECTED,
        xero.nz_tenant_id: XeroConnection.Status.CONNECTED,
    }
    assert XeroGrant.objects.get().status == XeroGrant.Status.ACTIVE


# --- 6. A 429 without Retry-After -------------------------------------------------------------------------------


@pytest.mark.xero_contract_exempt("injects a 429 without Retry-After")
def test_a_429_without_retry_after_is_waited_out_in_a_few_seconds_with_jitter(xero, xero_connection, customer):
    xero.sandbox.fault(match=f"^{ACCOUNTING}/Invoices", kind="429-concurrent", count=2)
    waits = Sleeps()

    finished = sync(xero_connection, sleeps=waits)

    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message
    assert len(waits) == 2
    assert all(2 <= wait <= 6 for wait in waits)
    assert waits[0] != waits[1]


# --- 7. Idempotency keys unique across installations and database resets ----------------------------------------


def test_a_database_reset_does_not_make_xero_replay_another_submissions_quote(
    seller_client, linked_opportunity, xero_connection
):
    submit(seller_client, linked_opportunity, form_data(xero_connection))
    first = CreateRequest.objects.get()
    # A database reset (or another installation of Capsync talking to the same organisation) numbers rows anew.
    Quote.objects.all().delete()
    CreateRequest.objects.all().delete()
    with database.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [CreateRequest._meta.db_table, first.pk]
        )

    response = submit(seller_client, linked_opportunity, form_data(xero_connection, title="Second fit-out"))

    assert response.status_code == 302
    assert CreateRequest.objects.get().pk == first.pk
    assert sorted(quote["Title"] for quote in sandbox_quotes(xero_connection)) == ["Second fit-out", "Shop fit-out"]


# --- 9. summaryOnly ---------------------------------------------------------------------------------------------


def test_summary_only_invoices_come_without_line_items_or_payments(xero, xero_client, customer):
    invoice = xero_invoice(
        contact=customer, LineItems=[{"Description": "Cakes", "Quantity": 1, "UnitAmount": 120.0, "LineAmount": 120.0}]
    )
    xero.sandbox.load(xero.uk_tenant_id, {"Invoices": [invoice]})
    since = xero.sandbox.calls()["last_id"]

    summary = [
        record
        for page in xero_client.invoices(modified_since=None, ids=[invoice["InvoiceID"]], summary_only=True)
        for record in page.records
    ]

    assert [record.invoice_id for record in summary] == [invoice["InvoiceID"]]
    assert "summaryOnly=true" in _calls(xero, since_id=since, under="Invoices")[0]["query"]
    assert summary[0].total == Decimal("120.00")
    assert resources.INVOICES.summary_only
    assert not resources.CREDIT_NOTES.summary_only
