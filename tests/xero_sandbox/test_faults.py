"""Injected faults: each kind, counts, filters, and what the calls log says about them."""

import pytest
import requests

pytestmark = pytest.mark.xero_contract_exempt("injects non-Xero responses on purpose")

CONTACTS = "^/api/api.xro/2.0/Contacts"


def _get_contacts(sandbox, tenant, **kwargs):
    return sandbox.api("GET", "Contacts", access_token=tenant.access_token, tenant_id=tenant.tenant_id, **kwargs)


def test_429_minute_fault_sends_retry_after_and_problem(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="429-minute", retry_after=17)

    response = _get_contacts(sandbox, sandbox_tenant)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "17"
    assert response.headers["X-Rate-Limit-Problem"] == "minute"


def test_429_day_fault_names_the_day_problem(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="429-day")

    response = _get_contacts(sandbox, sandbox_tenant)

    assert response.status_code == 429
    assert response.headers["X-Rate-Limit-Problem"] == "day"
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("kind", ["500", "503"])
def test_server_error_faults_return_their_status(sandbox, sandbox_tenant, kind):
    sandbox.fault(match=CONTACTS, kind=kind)

    response = _get_contacts(sandbox, sandbox_tenant)

    assert response.status_code == int(kind)


def test_fault_fires_count_times_then_stops(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="503", count=2)

    statuses = [_get_contacts(sandbox, sandbox_tenant).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert sandbox.faults() == []


def test_fault_for_another_method_does_not_fire(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="500", method="PUT")

    response = _get_contacts(sandbox, sandbox_tenant)

    assert response.status_code == 200
    assert len(sandbox.faults()) == 1


def test_fault_for_another_tenant_does_not_fire(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="500", tenant_id="00000000-0000-0000-0000-000000000000")

    response = _get_contacts(sandbox, sandbox_tenant)

    assert response.status_code == 200


def test_timeout_fault_holds_the_response_past_the_client_timeout(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="timeout", delay_seconds=1.5)

    with pytest.raises(requests.exceptions.ReadTimeout):
        _get_contacts(sandbox, sandbox_tenant, timeout=(2, 0.5))


def test_reset_fault_drops_the_connection(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="reset")

    with pytest.raises(requests.exceptions.ConnectionError):
        _get_contacts(sandbox, sandbox_tenant)


def test_html_fault_answers_an_html_page(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="html")

    response = _get_contacts(sandbox, sandbox_tenant)

    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_malformed_json_fault_answers_truncated_json(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="malformed-json")

    response = _get_contacts(sandbox, sandbox_tenant)

    assert response.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_lose_response_fault_processes_the_write_but_never_answers(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="lose-response", method="PUT")

    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox.api(
            "PUT",
            "Contacts",
            access_token=sandbox_tenant.access_token,
            tenant_id=sandbox_tenant.tenant_id,
            json={"Contacts": [{"Name": "Lost Reply Ltd"}]},
        )
    contacts = _get_contacts(sandbox, sandbox_tenant).json()["Contacts"]

    assert [c["Name"] for c in contacts] == ["Lost Reply Ltd"]


def test_lose_response_on_refresh_still_rotates_so_the_grace_retry_is_needed(sandbox, sandbox_tenant):
    sandbox.fault(match="^/identity/connect/token$", kind="lose-response")
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox.refresh(
            refresh_token=sandbox_tenant.refresh_token,
            client_id=sandbox_tenant.client_id,
            client_secret=sandbox_tenant.client_secret,
        )

    retried = sandbox.refresh(
        refresh_token=sandbox_tenant.refresh_token,
        client_id=sandbox_tenant.client_id,
        client_secret=sandbox_tenant.client_secret,
    )

    assert retried.status_code == 200


def test_calls_log_marks_the_faulted_call(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="503")
    _get_contacts(sandbox, sandbox_tenant)

    calls = sandbox.calls(tenant_id=sandbox_tenant.tenant_id)["calls"]

    assert calls[-1]["fault"] == "503"
    assert calls[-1]["status"] == 503


def test_unknown_fault_kind_is_refused(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json={"match": ".", "kind": "gremlins"}, timeout=5)

    assert response.status_code == 400


def test_clear_faults_disarms_everything(sandbox, sandbox_tenant):
    sandbox.fault(match=CONTACTS, kind="500")

    sandbox.clear_faults()

    assert _get_contacts(sandbox, sandbox_tenant).status_code == 200
