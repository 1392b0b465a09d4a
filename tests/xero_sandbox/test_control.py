"""The /_sandbox control API, the calls log, the envelope and Xero's XML default."""

import http.client
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests

from tests.sandbox import make_connected_tenant


def test_create_tenant_returns_its_id_and_a_short_code(sandbox):
    tenant = sandbox.create_tenant(name="Acme NZ", base_currency="NZD", timezone="Pacific/Auckland")

    assert tenant["tenant_id"]
    assert tenant["short_code"].startswith("!")
    assert tenant["timezone"] == "NEWZEALANDSTANDARDTIME"
    assert tenant["iana_timezone"] == "Pacific/Auckland"


def test_create_tenant_with_unknown_timezone_is_refused(sandbox):
    response = requests.post(
        f"{sandbox.url}/_sandbox/tenants", json={"name": "X", "timezone": "Mars/Olympus"}, timeout=5
    )

    assert response.status_code == 400


def test_user_with_unknown_tenant_is_refused(sandbox):
    response = requests.post(
        f"{sandbox.url}/_sandbox/users",
        json={"email": "a@example.com", "password": "pw", "tenant_ids": ["nope"]},
        timeout=5,
    )

    assert response.status_code == 400


def test_clock_set_moves_the_sandbox_clock(sandbox):
    target = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    now = sandbox.clock_set(target)

    assert abs(now - target) < timedelta(seconds=2)


def test_clock_advance_adds_seconds(sandbox):
    before = sandbox.now()

    after = sandbox.clock_advance(3600)

    assert timedelta(seconds=3599) < after - before < timedelta(seconds=3610)


def test_reset_wipes_tenants_and_the_clock(sandbox):
    sandbox.create_tenant(name="Gone Ltd")
    sandbox.clock_advance(86400 * 10)

    sandbox.reset()

    assert sandbox.state()["tenants"] == []
    assert abs(sandbox.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_load_returns_counts_and_records_come_back_through_the_api(sandbox, sandbox_tenant):
    contact = {"ContactID": "7e5a4e77-7d1a-4c1e-a7f3-0c2c6a9b3c11", "Name": "Loaded Ltd", "ContactStatus": "ACTIVE"}

    loaded = sandbox.load(sandbox_tenant.tenant_id, {"Contacts": [contact]})
    response = sandbox.api(
        "GET",
        f"Contacts/{contact['ContactID']}",
        access_token=sandbox_tenant.access_token,
        tenant_id=sandbox_tenant.tenant_id,
    )

    assert loaded == {"loaded": {"Contacts": 1}}
    assert response.json()["Contacts"][0]["Name"] == "Loaded Ltd"


def test_calls_log_records_each_api_call(sandbox, sandbox_tenant):
    since = sandbox.calls()["last_id"]

    sandbox.api("GET", "Organisation", access_token=sandbox_tenant.access_token, tenant_id=sandbox_tenant.tenant_id)
    log = sandbox.calls(since_id=since)

    call = log["calls"][-1]
    assert call["method"] == "GET"
    assert call["path"] == "/api/api.xro/2.0/Organisation"
    assert call["status"] == 200
    assert call["tenant_id"] == sandbox_tenant.tenant_id
    assert call["client_id"] == sandbox_tenant.client_id
    assert call["duration_ms"] >= 0
    assert log["counts"]["by_path"]["/api/api.xro/2.0/Organisation"] == 1


def test_calls_log_bodies_redact_authorization_and_tokens(sandbox, sandbox_tenant):
    log = sandbox.calls(bodies=True)

    token_call = next(c for c in log["calls"] if c["path"] == "/identity/connect/token")
    api_call = next(c for c in log["calls"] if c["path"] == "/api/connections")
    assert sandbox_tenant.access_token not in str(log)
    assert sandbox_tenant.refresh_token not in str(log)
    assert sandbox_tenant.client_secret not in str(log)
    assert "expires_in" in token_call["response_body"]
    assert api_call["request_headers"]["authorization"] == "***redacted***"


def test_calls_filtered_by_tenant(sandbox, sandbox_tenant):
    other = make_connected_tenant(sandbox, name="Other Org")
    sandbox.api("GET", "Organisation", access_token=other.access_token, tenant_id=other.tenant_id)
    sandbox.api("GET", "Organisation", access_token=sandbox_tenant.access_token, tenant_id=sandbox_tenant.tenant_id)

    calls = sandbox.calls(tenant_id=other.tenant_id)["calls"]

    assert {c["tenant_id"] for c in calls} == {other.tenant_id}


def test_clear_calls_empties_the_log(sandbox, sandbox_tenant):
    sandbox.clear_calls()

    log = sandbox.calls()

    assert log["calls"] == []
    assert log["counts"]["total"] == 0


def test_state_summary_lists_tenants_apps_and_connections(sandbox, sandbox_tenant):
    state = sandbox.state()

    assert [t["name"] for t in state["tenants"]] == ["Test Org"]
    assert [a["client_id"] for a in state["apps"]] == [sandbox_tenant.client_id]
    assert [c["tenant_id"] for c in state["connections"]] == [sandbox_tenant.tenant_id]


def test_unknown_control_endpoint_is_404(sandbox):
    response = requests.get(f"{sandbox.url}/_sandbox/nothing-here", timeout=5)

    assert response.status_code == 404


def test_control_body_must_be_json(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/tenants", data=b"not json", timeout=5)

    assert response.status_code == 400


def test_json_response_carries_the_xero_envelope(sandbox, sandbox_tenant):
    response = sandbox.api(
        "GET", "Organisation", access_token=sandbox_tenant.access_token, tenant_id=sandbox_tenant.tenant_id
    )

    body = response.json()
    assert list(body)[:4] == ["Id", "Status", "ProviderName", "DateTimeUTC"]
    assert body["Id"] == response.headers["Xero-Correlation-Id"]
    assert body["Status"] == "OK"
    assert body["ProviderName"] == f"App {sandbox_tenant.client_id.removeprefix('app-')}"
    assert body["DateTimeUTC"].startswith("/Date(")


def test_response_is_xml_when_accept_lacks_json(sandbox, sandbox_tenant):
    sandbox.load(sandbox_tenant.tenant_id, {"Contacts": [{"Name": "Xml & Co"}]})

    response = sandbox.api(
        "GET",
        "Contacts",
        access_token=sandbox_tenant.access_token,
        tenant_id=sandbox_tenant.tenant_id,
        accept_json=False,
    )

    assert response.headers["Content-Type"].startswith("application/xml")
    assert response.text.startswith("<Response")
    assert "<Status>OK</Status>" in response.text
    assert "<Contacts><Contact>" in response.text
    assert "<Name>Xml &amp; Co</Name>" in response.text


def test_latency_setting_delays_accounting_calls(sandbox, sandbox_tenant):
    sandbox.config(latency_ms=300)

    response = sandbox.api(
        "GET", "Organisation", access_token=sandbox_tenant.access_token, tenant_id=sandbox_tenant.tenant_id
    )

    assert response.elapsed >= timedelta(milliseconds=300)


def test_unknown_path_is_404(sandbox):
    response = requests.get(f"{sandbox.url}/api/nothing", timeout=5)

    assert response.status_code == 404


def test_http_connections_are_kept_alive_between_requests(sandbox):
    address = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
    connection.request("GET", "/_sandbox/clock")
    connection.getresponse().read()
    first_socket = connection.sock

    connection.request("GET", "/_sandbox/clock")
    second = connection.getresponse()
    second.read()

    assert second.status == 200
    assert connection.sock is first_socket
    connection.close()
