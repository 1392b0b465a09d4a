"""Instalment tests sync with the running Xero sandbox, so they borrow the Xero suite's world and connection."""

from tests.xero.conftest import admin_client, mfa_admin, xero, xero_connection  # noqa: F401
