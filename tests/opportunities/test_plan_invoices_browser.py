"""In Chromium, on the demo: the Bluebell Bakery plan raises its next instalment's invoice on schedule, and once
that invoice is paid in Xero and synced, its payment matches by itself and the opportunity page shows it paid."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.services import INSTALMENT_SALE_ID
from integrations.xero import auth, client
from integrations.xero.models import SyncRun, XeroConnection
from integrations.xero.sync import instalments, run
from opportunities.models import Instalment
from tests.xero_records import payment_element

pytestmark = [pytest.mark.browser]


def test_the_bluebell_plan_raises_its_next_invoice_on_schedule_and_its_payment_matches_by_itself(
    demo_world, signed_in_page, live_server, tmp_path
):
    uk = demo_world.connections["Demo Company (UK)"]
    # The organisation's options (an admin's choice in the wizard): invoices approved, sales lines coded to 200.
    XeroConnection.objects.filter(pk=uk.pk).update(invoice_status="AUTHORISED", sales_account_code="200")
    sixth = Instalment.objects.get(plan__opportunity_id=INSTALMENT_SALE_ID, position=6)  # due in 48 days
    page = signed_in_page(demo_world.user("sam@example.com"))
    page.goto(f"{live_server.url}/pipeline/{INSTALMENT_SALE_ID}/")
    expect(page.locator("#instalment-plan tbody tr").nth(5)).to_contain_text("Not invoiced")

    # Beat's task, 20 days on: the sixth instalment's day (30 days before it is due) has come.
    later = timezone.now() + timedelta(days=20)
    raised = instalments.instalment_invoices_raise_due(identity=client.identity_from_settings(), clock=lambda: later)

    assert raised.invoiced == 1
    sixth.refresh_from_db()
    invoice = sixth.invoice
    assert invoice.reference == f"OPP-{INSTALMENT_SALE_ID}-6"
    page.reload()
    row = page.locator("#instalment-plan tbody tr").nth(5)
    expect(row).to_contain_text(invoice.number)
    expect(row).to_contain_text("Due in")

    uk.grant.refresh_from_db()
    paid = demo_world.sandbox.api(
        "PUT",
        "Payments",
        json={
            "Payments": [payment_element(invoice_id=invoice.xero_id, amount="1000.00", paid_on=str(invoice.issued_on))]
        },
        tenant_id=uk.tenant_id,
        access_token=auth.secret_decrypt(uk.grant.access_token_encrypted),
    )
    assert paid.status_code == 200, paid.text
    finished = run.organisation_sync(
        connection_id=uk.pk,
        kind=SyncRun.Kind.INCREMENTAL,
        clock=timezone.now,
        identity=client.identity_from_settings(),
        sleep=lambda seconds: None,
    )
    assert finished.outcome == SyncRun.Outcome.SUCCEEDED, finished.message

    page.reload()
    expect(page.locator("#instalment-plan tbody tr").nth(5)).to_contain_text("Paid")
    expect(page.locator("#opportunity-billing .billing-paid")).to_contain_text("GBP 4,400.00")
    expect(page.locator("#opportunity-billing .billing-to-invoice")).to_contain_text("GBP 0.00")
    page.screenshot(path=str(tmp_path / "bluebell-plan-paid.png"), full_page=True)
