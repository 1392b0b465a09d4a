"""Xero's app tiers in the sandbox: Starter's 1,000 calls a day per organisation and 5 connected organisations."""

import secrets
from datetime import UTC, datetime

import pytest

from tests.sandbox import SandboxError, query_of
from xero_sandbox.limits import RateLimiter

REDIRECT_URI = "http://127.0.0.1:8000/integrations/xero/callback/"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_the_starter_tier_refuses_the_1001st_call_of_the_day_with_xeros_day_headers():
    limiter = RateLimiter(start_tier="starter", minute_limit=10_000)
    for _ in range(1000):
        assert limiter.acquire(client_id="app", tenant_id="org", now=NOW).allowed
        limiter.release(client_id="app", tenant_id="org")

    refused = limiter.acquire(client_id="app", tenant_id="org", now=NOW)

    assert (refused.allowed, refused.problem, refused.headers["X-DayLimit-Remaining"]) == (False, "day", "0")
    assert refused.retry_after == 86400


def test_the_default_tier_keeps_5000_calls_a_day_and_no_connection_cap():
    limiter = RateLimiter()

    assert (limiter.day_limit, limiter.connection_limit) == (5000, None)


def test_the_tier_is_set_at_run_time_and_reset_returns_to_the_start_tier(sandbox, sandbox_tenant):
    answer = sandbox.config(tier="starter")
    call = sandbox.api(
        "GET", "Organisation", access_token=sandbox_tenant.access_token, tenant_id=sandbox_tenant.tenant_id
    )

    sandbox.reset()

    assert (answer["tier"], answer["connection_limit"], answer["limits"]["day"]) == ("starter", 5, 1000)
    assert call.headers["X-DayLimit-Remaining"] == "999"
    assert sandbox.config()["tier"] == "default"


def test_an_unknown_tier_is_refused(sandbox):
    with pytest.raises(SandboxError, match="unknown tier"):
        sandbox.config(tier="galactic")


def _app_and_user(sandbox, organisations: int) -> tuple[str, str, list[str]]:
    suffix = secrets.token_hex(4)
    tenant_ids = [sandbox.create_tenant(name=f"Org {n}")["tenant_id"] for n in range(organisations)]
    sandbox.create_app(client_id=f"tier-{suffix}", client_secret="s", name="Tier App", redirect_uris=[REDIRECT_URI])
    email = f"tier-{suffix}@example.com"
    sandbox.create_user(email=email, password="pw", tenant_ids=tenant_ids)
    return f"tier-{suffix}", email, tenant_ids


def _consent(sandbox, client_id: str, email: str, tenant_ids: list[str]):
    return sandbox.http.post(
        f"{sandbox.url}/_sandbox/authorize",
        json={
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid accounting.contacts",
            "state": "s",
            "tenant_ids": tenant_ids,
            "user_email": email,
        },
        timeout=10,
    )


def test_a_starter_app_cannot_connect_a_sixth_organisation(sandbox):
    sandbox.config(tier="starter")
    client_id, email, tenant_ids = _app_and_user(sandbox, 6)
    for tenant_id in tenant_ids[:5]:
        assert "code" in query_of(_consent(sandbox, client_id, email, [tenant_id]).json()["redirect"])

    sixth = _consent(sandbox, client_id, email, [tenant_ids[5]])
    again = _consent(sandbox, client_id, email, tenant_ids[:2])

    assert sixth.status_code == 403
    assert "Tier App has reached their Xero connection limit" in sixth.json()["error"]
    assert {c["tenant_id"] for c in sandbox.state()["connections"]} == set(tenant_ids[:5])
    assert "code" in query_of(again.json()["redirect"])  # consenting again to connected organisations still works


def test_the_consent_page_shows_xeros_connection_limit_page(sandbox):
    sandbox.config(tier="starter")
    client_id, email, tenant_ids = _app_and_user(sandbox, 6)
    browser = sandbox.http.__class__()
    authorize = {
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid accounting.contacts",
        "state": "s",
    }
    browser.post(
        sandbox.authorize_url, params=authorize, data={"step": "login", "email": email, "password": "pw"}, timeout=10
    )

    page = browser.post(
        sandbox.authorize_url,
        params=authorize,
        data={"action": "allow", "tenant": tenant_ids},
        allow_redirects=False,
        timeout=10,
    )

    assert page.status_code == 403
    assert 'id="connection-limit"' in page.text
    assert "Location" not in page.headers
