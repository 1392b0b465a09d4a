"""tap-xero (singer-io/tap-xero 2.6.0), a community client with its own habits, syncs a small organisation.

The benchmark already runs it against a large organisation (bench/peer.py); here a short sync of five streams
shows, in the suite, that an independent client reads the sandbox the way it reads Xero: ``page`` without
``pageSize`` with ``order=UpdatedDateUTC ASC``, an ISO ``If-Modified-Since`` from its start date,
``GET /Organisations`` (plural) and ``GET /Currencies`` for its access check, and a token refresh first.

tap-xero pins old dependencies, so it runs from its own venv, ``.venv-peer/``, made by the benchmark's runner on
first use (about a minute, once). When the package registry cannot be reached, the test skips and says so,
except under ``CI=true``, where the install must work.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest

from bench.peer import PeerError, peer_python, tap_link, tap_run
from tests.sandbox import SandboxControl, SandboxTenant

STREAMS = ("contacts", "invoices", "credit_notes", "organisations", "currencies")
REGISTRY = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/")


def _registry_reachable() -> bool:
    try:
        with urllib.request.urlopen(REGISTRY.rstrip("/") + "/tap-xero/", timeout=10):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def tap_python() -> Path:
    """The peer venv's Python with tap-xero; skips only when the registry is out of reach and CI is not set."""
    try:
        return peer_python()
    except (PeerError, OSError) as exc:
        if os.environ.get("CI") == "true" or _registry_reachable():
            raise
        pytest.skip(
            f"tap-xero is not installed in .venv-peer/ and the package registry {REGISTRY} is unreachable ({exc})"
        )


def _seed(sandbox: SandboxControl, tenant: SandboxTenant) -> None:
    def call(method: str, path: str, body: dict) -> dict:
        response = sandbox.api(method, path, access_token=tenant.access_token, tenant_id=tenant.tenant_id, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    contacts = call("PUT", "Contacts", {"Contacts": [{"Name": f"Tap Customer {n}"} for n in range(3)]})["Contacts"]
    line = {"Description": "Work", "Quantity": 1, "UnitAmount": 50, "AccountCode": "200"}
    invoices = [
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": c["ContactID"]},
            "Date": "2026-03-01",
            "DueDate": "2026-03-31",
            "Status": "AUTHORISED",
            "LineItems": [line],
        }
        for c in contacts[:2]
    ]
    call("PUT", "Invoices", {"Invoices": invoices})
    credit = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contacts[0]["ContactID"]},
        "Date": "2026-03-02",
        "Status": "AUTHORISED",
        "LineItems": [line],
    }
    call("PUT", "CreditNotes", {"CreditNotes": [credit]})


def test_tap_xero_syncs_five_streams_of_a_small_organisation(sandbox, sandbox_tenant, tap_python, tmp_path):
    _seed(sandbox, sandbox_tenant)
    link = tap_link(sandbox, tenant_id=sandbox_tenant.tenant_id, user_email=sandbox_tenant.user_email)

    result = tap_run(sandbox=sandbox, link=link, work_dir=tmp_path, python=tap_python, streams=STREAMS)

    assert result.finished, result.stderr_tail
    assert dict(result.counts.records) == {
        "contacts": 3,
        "invoices": 2,
        "credit_notes": 1,
        "organisations": 1,
        "currencies": 1,
    }
    assert set(result.counts.last_state["bookmarks"]) >= {"contacts", "invoices", "credit_notes"}
    assert result.calls.accounting_429 == result.calls.accounting_other == 0
    assert result.calls.by_path["Organisations"] == 1


CATALOGUE_STREAMS = ("items", "accounts", "tax_rates", "tracking_categories", "branding_themes")


def test_tap_xero_syncs_the_catalogue_streams(sandbox, sandbox_tenant, tap_python, tmp_path):
    sandbox.load(
        sandbox_tenant.tenant_id,
        {
            "Items": [
                {"Code": "HOUR", "Name": "Hour", "SalesDetails": {"UnitPrice": 95, "AccountCode": "200"}},
                {"Code": "SETUP", "Name": "Set-up", "SalesDetails": {"UnitPrice": 250, "AccountCode": "260"}},
            ],
            "TrackingCategories": [{"Name": "Region", "Options": ["North", {"Name": "West", "Status": "ARCHIVED"}]}],
        },
    )
    link = tap_link(sandbox, tenant_id=sandbox_tenant.tenant_id, user_email=sandbox_tenant.user_email)
    accounts = len(
        sandbox.api(
            "GET", "Accounts", access_token=sandbox_tenant.access_token, tenant_id=sandbox_tenant.tenant_id
        ).json()["Accounts"]
    )
    rates = len(
        sandbox.api(
            "GET", "TaxRates", access_token=sandbox_tenant.access_token, tenant_id=sandbox_tenant.tenant_id
        ).json()["TaxRates"]
    )

    result = tap_run(sandbox=sandbox, link=link, work_dir=tmp_path, python=tap_python, streams=CATALOGUE_STREAMS)

    assert result.finished, result.stderr_tail
    assert dict(result.counts.records) == {
        "items": 2,
        "accounts": accounts,
        "tax_rates": rates,
        "tracking_categories": 1,
        "branding_themes": 1,
    }
    assert result.calls.accounting_429 == result.calls.accounting_other == 0
