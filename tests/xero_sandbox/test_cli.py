"""`python -m xero_sandbox serve`: the listening line, seeds, clean shutdown and the state file."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tests.sandbox import REPO_ROOT, SandboxControl, SandboxProcess, query_of

DEMO_REDIRECT = "http://127.0.0.1:8000/integrations/xero/callback/"


@pytest.fixture
def started():
    """Start sandbox processes with given flags; all are stopped at the end."""
    processes: list[SandboxProcess] = []

    def start(*args: str) -> SandboxProcess:
        process = SandboxProcess(["--port", "0", *args])
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.stop()


def test_serve_prints_one_listening_line_and_exits_cleanly_on_sigterm(started):
    process = started()

    code = process.stop()

    assert process.url.startswith("http://127.0.0.1:")
    assert code == 0
    assert process.process.stdout.read() == ""


def test_webhook_url_without_key_is_refused():
    result = subprocess.run(
        [sys.executable, "-m", "xero_sandbox", "serve", "--port", "0", "--webhook-url", "http://127.0.0.1:9/x"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "--webhook-key" in result.stderr


def test_demo_seed_has_two_organisations_the_demo_app_and_user(started):
    control = SandboxControl(started("--seed", "demo").url)

    state = control.state()

    assert sorted((t["name"], t["base_currency"]) for t in state["tenants"]) == [
        ("Demo Company (NZ)", "NZD"),
        ("Demo Company (UK)", "GBP"),
    ]
    assert [a["client_id"] for a in state["apps"]] == ["capsync-demo"]
    assert state["users"][0]["email"] == "demo@example.com"


def test_demo_app_can_connect_both_demo_organisations(started):
    control = SandboxControl(started("--seed", "demo").url)
    tenant_ids = [t["tenant_id"] for t in control.state()["tenants"]]

    connected = control.connect("capsync-demo", "demo-secret", DEMO_REDIRECT, tenant_ids, user_email="demo@example.com")

    assert len(connected["connections"]) == 2


def test_benchmark_flags_create_a_benchmark_org_and_the_demo_app(started):
    control = SandboxControl(started("--contacts", "20", "--invoices", "50").url)

    state = control.state()

    assert [t["name"] for t in state["tenants"]] == ["Benchmark Org"]
    assert state["tenants"][0]["counts"]["Contacts"] == 20
    assert state["tenants"][0]["counts"]["Invoices"] == 50
    assert [a["client_id"] for a in state["apps"]] == ["capsync-demo"]


def test_webhook_flags_configure_the_demo_app(started):
    control = SandboxControl(
        started("--seed", "demo", "--webhook-url", "http://127.0.0.1:9/hooks", "--webhook-key", "k").url
    )

    app = control.state()["apps"][0]

    assert app["webhook_url"] == "http://127.0.0.1:9/hooks"
    assert app["webhook_key"] == "k"


def test_state_file_keeps_everything_across_a_restart(started, tmp_path):
    state_path = tmp_path / "sandbox.json"
    first_process = started("--state", str(state_path))
    first = SandboxControl(first_process.url)
    tenant = first.create_tenant(name="Persisted Ltd")
    first.create_app(client_id="p-app", client_secret="p-secret", redirect_uris=[DEMO_REDIRECT])
    first.create_user(email="p@example.com", password="pw", tenant_ids=[tenant["tenant_id"]])
    token = first.connect("p-app", "p-secret", DEMO_REDIRECT, [tenant["tenant_id"]])["token"]
    first.load(tenant["tenant_id"], {"Contacts": [{"Name": "Kept Contact"}]})
    first.clock_advance(600)
    first_process.stop()

    second = SandboxControl(started("--state", str(state_path)).url)
    contacts = second.api("GET", "Contacts", access_token=token["access_token"], tenant_id=tenant["tenant_id"])
    refreshed = second.refresh(refresh_token=token["refresh_token"], client_id="p-app", client_secret="p-secret")

    assert contacts.status_code == 200
    assert [c["Name"] for c in contacts.json()["Contacts"]] == ["Kept Contact"]
    assert refreshed.status_code == 200
    assert second.now() > datetime.now(UTC) + timedelta(seconds=590)


def test_authorize_redirect_keeps_state_through_the_demo_app(started):
    control = SandboxControl(started("--seed", "demo").url)
    tenant_id = control.state()["tenants"][0]["tenant_id"]

    redirect = control.authorize(
        client_id="capsync-demo", redirect_uri=DEMO_REDIRECT, scope="openid", state="abc", tenant_ids=[tenant_id]
    )

    assert query_of(redirect)["state"] == "abc"


def test_latency_and_rate_limit_flags_set_the_runtime_config(started):
    control = SandboxControl(started("--latency-ms", "250", "--rate-limits", "off").url)

    config = control.config()

    assert config["latency_ms"] == 250
    assert config["rate_limits"] == "off"


def test_a_sandbox_that_fails_to_start_reports_its_stderr():
    with pytest.raises(RuntimeError, match="invalid choice"):
        SandboxProcess(["--port", "0", "--seed", "bogus"])


def test_the_tier_flag_starts_the_sandbox_on_that_tier(started):
    process = started("--tier", "starter")

    config = SandboxControl(process.url).config()

    assert (config["tier"], config["limits"]["day"], config["connection_limit"]) == ("starter", 1000, 5)
