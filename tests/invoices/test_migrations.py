"""The ledger's move off the Xero connection keeps existing data: a populated database migrates forward."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("invoices", "0002_quote"), ("xero", "0004_xero_contact_merged_into")]
AFTER = [("invoices", "0005_drop_connection_fks"), ("xero", "0006_organisation_details_moved")]
WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _migrate(targets):
    """Migrate the test database to `targets`; returns the historical models there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _connection(apps, *, tenant_id: str, name: str, base_currency: str, timezone: str):
    grant = apps.get_model("xero", "XeroGrant").objects.create(
        access_token_encrypted="not-a-token", refresh_token_encrypted="not-a-token", access_token_expires_at=WHEN
    )
    return apps.get_model("xero", "XeroConnection").objects.create(
        grant=grant,
        tenant_id=tenant_id,
        name=name,
        short_code=f"!{tenant_id}",
        base_currency=base_currency,
        timezone=timezone,
        connected_at=WHEN,
    )


def _documents(apps, connection, *, xero_id: str) -> None:
    """An invoice with a payment, a credit note with an allocation, and a quote, all of `connection`."""
    invoice_model = apps.get_model("invoices", "Invoice")
    money = {
        "sub_total": Decimal("100.00"),
        "total_tax": Decimal("0.00"),
        "total": Decimal("100.00"),
        "amount_paid": Decimal("0.00"),
        "amount_credited": Decimal("0.00"),
        "currency_code": "GBP",
        "xero_contact_id": "c-1",
        "status": "AUTHORISED",
        "xero_updated_at": WHEN,
        "synced_at": WHEN,
    }
    invoice = invoice_model.objects.create(
        connection=connection,
        xero_id=f"{xero_id}-inv",
        kind="invoice",
        type="ACCREC",
        amount_due=Decimal("60.00"),
        remaining_credit=Decimal(0),
        **money,
    )
    apps.get_model("invoices", "Payment").objects.create(
        invoice=invoice, xero_id=f"{xero_id}-pay", paid_on=WHEN.date(), amount=Decimal("40.00"), status="AUTHORISED"
    )
    note = invoice_model.objects.create(
        connection=connection,
        xero_id=f"{xero_id}-cn",
        kind="credit_note",
        type="ACCRECCREDIT",
        amount_due=Decimal(0),
        remaining_credit=Decimal("70.00"),
        **money,
    )
    apps.get_model("invoices", "CreditAllocation").objects.create(
        credit_note=note, invoice_xero_id=f"{xero_id}-inv", amount=Decimal("30.00"), allocated_on=WHEN.date()
    )
    apps.get_model("invoices", "Quote").objects.create(
        connection=connection,
        xero_id=f"{xero_id}-quote",
        xero_contact_id="c-1",
        status="SENT",
        currency_code="GBP",
        total=Decimal("10.00"),
        xero_updated_at=WHEN,
        synced_at=WHEN,
    )


@pytest.mark.django_db(transaction=True)
def test_migrating_forward_gives_each_connection_its_organisation_and_points_its_documents_at_it():
    old = _migrate(BEFORE)
    try:
        uk = _connection(old, tenant_id="uk", name="Demo UK Ltd", base_currency="GBP", timezone="Europe/London")
        nz = _connection(old, tenant_id="nz", name="Demo NZ Ltd", base_currency="NZD", timezone="Pacific/Auckland")
        _documents(old, uk, xero_id="uk")
        _documents(old, nz, xero_id="nz")

        new = _migrate(AFTER)

        connections = {
            c.tenant_id: c for c in new.get_model("xero", "XeroConnection").objects.select_related("organisation")
        }
        assert {
            tenant_id: (
                c.organisation.name,
                c.organisation.short_code,
                c.organisation.base_currency,
                c.organisation.timezone,
            )
            for tenant_id, c in connections.items()
        } == {
            "uk": ("Demo UK Ltd", "!uk", "GBP", "Europe/London"),
            "nz": ("Demo NZ Ltd", "!nz", "NZD", "Pacific/Auckland"),
        }
        assert new.get_model("invoices", "Organisation").objects.count() == 2
        invoices = new.get_model("invoices", "Invoice").objects.order_by("xero_id")
        assert {invoice.xero_id: invoice.organisation_id for invoice in invoices} == {
            "nz-cn": connections["nz"].organisation_id,
            "nz-inv": connections["nz"].organisation_id,
            "uk-cn": connections["uk"].organisation_id,
            "uk-inv": connections["uk"].organisation_id,
        }
        quotes = new.get_model("invoices", "Quote").objects.all()
        assert {quote.xero_id: quote.organisation_id for quote in quotes} == {
            "nz-quote": connections["nz"].organisation_id,
            "uk-quote": connections["uk"].organisation_id,
        }
        payments = new.get_model("invoices", "Payment").objects.select_related("invoice")
        assert {p.xero_id: p.invoice.organisation_id for p in payments} == {
            "nz-pay": connections["nz"].organisation_id,
            "uk-pay": connections["uk"].organisation_id,
        }
        allocations = new.get_model("invoices", "CreditAllocation").objects.select_related("credit_note")
        assert sorted((a.credit_note.xero_id, a.credit_note.organisation_id) for a in allocations) == sorted(
            [
                ("nz-cn", connections["nz"].organisation_id),
                ("uk-cn", connections["uk"].organisation_id),
            ]
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
