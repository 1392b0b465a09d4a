"""Xero's rate limits in the sandbox: headers, 429s with Retry-After and X-Rate-Limit-Problem, windows, concurrency."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from tests.sandbox import make_connected_tenant


def _get_org(sandbox, tenant):
    return sandbox.api("GET", "Organisation", access_token=tenant.access_token, tenant_id=tenant.tenant_id)


def test_accounting_response_carries_the_remaining_limit_headers(sandbox, sandbox_tenant):
    response = _get_org(sandbox, sandbox_tenant)

    assert response.headers["X-DayLimit-Remaining"] == "4999"
    assert response.headers["X-MinLimit-Remaining"] == "59"
    assert response.headers["X-AppMinLimit-Remaining"] == "9999"


def test_61st_call_in_a_minute_is_429_minute_with_retry_after(sandbox, sandbox_tenant):
    for _ in range(60):
        assert _get_org(sandbox, sandbox_tenant).status_code == 200

    refused = _get_org(sandbox, sandbox_tenant)

    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_minute_window_resets_when_the_sandbox_clock_moves_on(sandbox, sandbox_tenant):
    sandbox.config(limits={"minute": 2})
    _get_org(sandbox, sandbox_tenant)
    _get_org(sandbox, sandbox_tenant)
    assert _get_org(sandbox, sandbox_tenant).status_code == 429

    sandbox.clock_advance(61)

    assert _get_org(sandbox, sandbox_tenant).status_code == 200


def test_day_limit_gives_429_day_with_retry_after_until_the_window_ends(sandbox, sandbox_tenant):
    sandbox.config(limits={"day": 3})
    for _ in range(3):
        _get_org(sandbox, sandbox_tenant)
    sandbox.clock_advance(1700)

    refused = _get_org(sandbox, sandbox_tenant)

    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "day"
    assert 86400 - 1700 - 5 <= int(refused.headers["Retry-After"]) <= 86400 - 1700


def test_app_minute_limit_counts_calls_across_tenants(sandbox, sandbox_tenant):
    other = sandbox.create_tenant(name="Other Org")
    sandbox.create_user(email="other@example.com", password="pw", tenant_ids=[other["tenant_id"]])
    connected = sandbox.connect(
        sandbox_tenant.client_id,
        sandbox_tenant.client_secret,
        sandbox_tenant.redirect_uri,
        [other["tenant_id"]],
        user_email="other@example.com",
    )
    sandbox.config(limits={"app_minute": 3})
    _get_org(sandbox, sandbox_tenant)
    _get_org(sandbox, sandbox_tenant)
    sandbox.api("GET", "Organisation", access_token=connected["token"]["access_token"], tenant_id=other["tenant_id"])

    refused = _get_org(sandbox, sandbox_tenant)

    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "appminute"


def test_limits_are_per_tenant(sandbox, sandbox_tenant):
    other = make_connected_tenant(sandbox, name="Second Org")
    sandbox.config(limits={"minute": 1})
    _get_org(sandbox, sandbox_tenant)

    response = _get_org(sandbox, other)

    assert response.status_code == 200


def test_sixth_concurrent_call_is_429_concurrent_and_peak_is_recorded(sandbox, sandbox_tenant):
    sandbox.config(latency_ms=1500)
    barrier = Barrier(6)

    def call(_: int) -> int:
        barrier.wait()
        return _get_org(sandbox, sandbox_tenant).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(call, range(6)))
    log = sandbox.calls(tenant_id=sandbox_tenant.tenant_id)

    assert statuses == [200, 200, 200, 200, 200, 429]
    refused = next(c for c in log["calls"] if c["status"] == 429)
    assert refused["path"] == "/api/api.xro/2.0/Organisation"
    assert log["peak_concurrency"][sandbox_tenant.tenant_id] == 6


def test_concurrent_refusal_names_the_problem(sandbox, sandbox_tenant):
    sandbox.config(latency_ms=1000, limits={"concurrent": 1})
    barrier = Barrier(2)

    def call(_: int):
        barrier.wait()
        return _get_org(sandbox, sandbox_tenant)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(call, range(2)))

    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["X-Rate-Limit-Problem"] == "concurrent"


def test_rate_limits_off_lets_every_call_through(sandbox, sandbox_tenant):
    sandbox.config(rate_limits="off", limits={"minute": 1})

    statuses = [_get_org(sandbox, sandbox_tenant).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


def test_calls_in_flight_are_also_counted_per_app_across_its_organisations(sandbox, sandbox_tenant):
    """Issue 18: the many-organisations benchmark reports the app's peak of calls in flight."""
    other = sandbox.create_tenant(name="Other Org")
    sandbox.create_user(email="other@example.com", password="pw", tenant_ids=[other["tenant_id"]])
    connected = sandbox.connect(
        sandbox_tenant.client_id,
        sandbox_tenant.client_secret,
        sandbox_tenant.redirect_uri,
        [other["tenant_id"]],
        user_email="other@example.com",
    )
    sandbox.config(latency_ms=1500)
    sandbox.clear_calls()
    barrier = Barrier(6)

    def call(number: int) -> int:
        barrier.wait()
        if number % 2:
            return _get_org(sandbox, sandbox_tenant).status_code
        return sandbox.api(
            "GET", "Organisation", access_token=connected["token"]["access_token"], tenant_id=other["tenant_id"]
        ).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(call, range(6)))
    log = sandbox.calls()

    assert statuses == [200] * 6
    assert log["peak_concurrency"] == {sandbox_tenant.tenant_id: 3, other["tenant_id"]: 3}
    assert log["peak_app_concurrency"] == {sandbox_tenant.client_id: 6}
