"""The sandbox state's own methods: what they change, and the events subscribers hear (in-process, no HTTP)."""

from datetime import UTC, datetime

import pytest

from xero_sandbox import tenants
from xero_sandbox.events import AppRegistered, RecordsChanged, SandboxReset
from xero_sandbox.records import App, AuthCode, RefreshToken, SandboxOptions, Tenant
from xero_sandbox.state import Sandbox, TenantExists
from xero_sandbox.store import TenantData

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def state() -> Sandbox:
    return Sandbox(SandboxOptions())


@pytest.fixture
def heard(state) -> list:
    events: list = []
    state.subscribe(events.append)
    return events


def _app(**fields) -> App:
    return App(client_id="app1", client_secret="s", name="App", redirect_uris=[], **fields)


def _tenant(tenant_id: str = "t1") -> Tenant:
    meta = tenants.tenant_meta(tenant_id=tenant_id, name="Acme", base_currency="GBP", timezone="Europe/London", now=NOW)
    return Tenant(meta=meta, data=TenantData(organisation=tenants.organisation_of(meta)))


def test_registering_an_app_with_a_webhook_announces_a_webhook_change(state, heard):
    state.app_put(_app(webhook_url="http://hooks.example/", webhook_key="k"))

    assert heard == [AppRegistered(client_id="app1", webhook_changed=True)]
    assert state.dirty


def test_registering_the_same_webhook_again_is_no_webhook_change(state, heard):
    state.app_put(_app(webhook_url="http://hooks.example/", webhook_key="k"))

    state.app_put(_app(webhook_url="http://hooks.example/", webhook_key="k"))
    state.app_put(_app(webhook_url="http://hooks.example/", webhook_key="new"))

    assert [e.webhook_changed for e in heard] == [True, False, True]


def test_loading_records_with_notify_publishes_them_as_changes(state, heard):
    tenant = state.tenant_add(_tenant())

    state.tenant_load(tenant, {"Contacts": [{"Name": "Bluebell Bakery"}]}, notify=True)

    assert [type(e) for e in heard] == [RecordsChanged]
    assert heard[0].tenant_id == "t1"
    assert [event.category for event in heard[0].events] == ["CONTACT"]


def test_loading_records_without_notify_publishes_nothing(state, heard):
    tenant = state.tenant_add(_tenant())
    state.mark_clean()

    state.tenant_load(tenant, {"Contacts": [{"Name": "Bluebell Bakery"}]}, notify=False)

    assert heard == []
    assert state.dirty


def test_adding_a_tenant_twice_is_refused(state):
    state.tenant_add(_tenant())

    with pytest.raises(TenantExists, match="t1 already exists"):
        state.tenant_add(_tenant())


def test_reset_is_published(state, heard):
    state.reset()

    assert heard == [SandboxReset()]


def test_an_authorisation_code_is_marked_used_only_once(state):
    code = AuthCode(code="C", client_id="a", redirect_uri="", scopes=[], user_email="u", auth_event_id="", expires=0)
    state.code_add(code)

    outcomes = [state.code_mark_used("C"), state.code_mark_used("C"), state.code_mark_used("unknown")]

    assert outcomes == [True, False, False]


def test_consents_add_up_and_keep_the_connection(state):
    first = state.consent_record(
        user_email="a@x", client_id="app1", scopes=["openid"], tenant_ids=["t1"], auth_event_id="e1", now=1.0
    )
    (connection_id,) = state.connections

    second = state.consent_record(
        user_email="a@x", client_id="app1", scopes=["email"], tenant_ids=["t1"], auth_event_id="e2", now=2.0
    )

    assert (first, second) == (["openid"], ["openid", "email"])
    assert list(state.connections) == [connection_id]
    assert state.connections[connection_id].auth_event_id == "e2"


def test_revoking_a_refresh_token_removes_the_users_connections_and_grants(state):
    state.consent_record(
        user_email="a@x", client_id="app1", scopes=["openid"], tenant_ids=["t1"], auth_event_id="e", now=1.0
    )
    token = RefreshToken(
        token="R", chain_id="c", client_id="app1", user_email="a@x", scopes=["openid"], auth_event_id="e", issued=1.0
    )
    state.refresh_token_add(token)

    state.refresh_chain_revoke("R", client_id="app1")

    assert (state.connections, state.grants, token.revoked) == ({}, {}, True)
    assert state.refresh_token_use("R", lambda t: not t.revoked) is False
