"""The log lines docs/OPERATIONS.md tells operators to alert on are written when their event happens."""

import logging

import pytest

from integrations.xero.models import SyncRun
from tests.xero.sync_data import sync

pytestmark = pytest.mark.django_db


def test_the_daily_limit_is_logged_as_a_warning_an_operator_can_alert_on(xero_connection, xero, caplog):
    xero.sandbox.fault(match="^/api/api.xro/2.0/Invoices", kind="429-day", count=1, retry_after=3600)

    with caplog.at_level(logging.INFO, logger="integrations.xero"):
        finished = sync(xero_connection)

    stopped = [record for record in caplog.records if record.message == "Xero rate limit stopped the sync"]
    assert finished.outcome == SyncRun.Outcome.PARTIAL
    assert [(r.levelname, r.limit, r.connection_id, r.retry_after) for r in stopped] == [
        ("WARNING", "daily", xero_connection.pk, 3600)
    ]
