import pytest
from django.core.cache import cache

from tests.faults.hostile import HostileWorld, hostile_world_build
from tests.faults.money import money_world_build


@pytest.fixture
def hostile_world(xero, xero_connection, team_a, team_b, mfa_admin) -> HostileWorld:
    """Team A's records (and the admin's), named by an attacker who controls a Xero organisation."""
    return hostile_world_build(
        xero=xero, xero_connection=xero_connection, team_a=team_a, team_b=team_b, mfa_admin=mfa_admin
    )


@pytest.fixture
def fresh_rate_limits():
    """allauth counts sign-in attempts in Django's cache (per process here); start and end with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def money_world(hostile_world) -> HostileWorld:
    """The hostile world whose accounts hold six-figure amounts (tests/faults/money.py)."""
    return money_world_build(hostile_world)
