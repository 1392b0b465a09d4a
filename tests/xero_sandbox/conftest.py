"""Fixtures shared by the sandbox's accounting tests."""

import pytest

from tests.xero_sandbox.accounting_api import Api, new_tenant


@pytest.fixture
def api() -> Api:
    """An in-process accounting API over a new, empty organisation (files may override it with their own)."""
    return Api(data=new_tenant())
