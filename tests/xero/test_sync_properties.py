"""Whatever the interleaving of edits in Xero and syncs, the CRM ends up with Xero's latest invoices."""

from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.xero import client
from integrations.xero.models import SyncRun
from integrations.xero.sync import run
from invoices.models import Invoice
from tests.xero.sync_data import Sleeps, load, xero_contact, xero_invoice

pytestmark = pytest.mark.django_db

INVOICES = 4
STAGES = ["Reading invoices", "Reading credit notes", "Reading contacts", "Matching contacts"]

# One step: an edit in Xero (which invoice, its new amount due), made before a sync or while a sync is at a
# given stage; or a sync on its own.
edits = st.tuples(st.integers(0, INVOICES - 1), st.integers(0, 100), st.sampled_from([None, *STAGES]))
scenarios = st.lists(st.one_of(st.just("sync"), edits), min_size=1, max_size=6)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios)
def test_incremental_syncs_never_miss_an_edit(xero_connection, xero, scenario):
    xero.sandbox.config(rate_limits="off")
    customer = xero_contact("Bluebell Bakery")
    invoices = [xero_invoice(customer, total="100.00") for _ in range(INVOICES)]
    load(xero, contacts=[customer], invoices=invoices)
    latest = {invoice["InvoiceID"]: Decimal("100.00") for invoice in invoices}

    def edit(index: int, amount_due: int) -> None:
        xero.sandbox.clock_advance(1)
        load(xero, invoices=[{**invoices[index], "AmountDue": float(amount_due),
                              "AmountPaid": float(100 - amount_due)}])
        latest[invoices[index]["InvoiceID"]] = Decimal(amount_due)

    for step in scenario:
        pending = [] if step == "sync" else [step]
        if pending and pending[0][2] is None:
            edit(*pending.pop()[:2])

        def during(progress: SyncRun, pending=pending) -> None:
            if pending and progress.stage == pending[0][2]:
                edit(*pending.pop()[:2])

        run.organisation_sync(connection_id=xero_connection.pk, kind=SyncRun.Kind.INCREMENTAL,
                              clock=timezone.now, identity=client.identity_from_settings(), sleep=Sleeps(),
                              on_progress=during)

    final = run.organisation_sync(connection_id=xero_connection.pk, kind=SyncRun.Kind.INCREMENTAL,
                                  clock=timezone.now, identity=client.identity_from_settings(), sleep=Sleeps())

    assert final.outcome == SyncRun.Outcome.SUCCEEDED
    stored = dict(Invoice.objects.filter(xero_id__in=latest).values_list("xero_id", "amount_due"))
    assert stored == latest

