"""The benchmark's pure bookkeeping: Singer output counting, catalog selection, percentiles, call tallies, VmHWM,
and the tap-xero launcher's URL replacement. No timings are asserted here (they live in docs/BENCHMARKS.md)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from bench import peer, report
from bench.calls import calls_count, minute_windows_close
from bench.peer_tap_xero import XERO_API_URL, XERO_TOKEN_URL, client_source_pointed_at
from bench.process import vm_hwm_kib


def _message(kind: str, **fields) -> str:
    return json.dumps({"type": kind, **fields})


def test_singer_counts_counts_records_per_stream_and_keeps_the_last_state():
    counts = peer.SingerCounts()
    lines = [
        _message("SCHEMA", stream="contacts", schema={}, key_properties=["ContactID"]),
        _message("RECORD", stream="contacts", record={"ContactID": "a"}),
        _message("RECORD", stream="contacts", record={"ContactID": "b"}),
        _message("STATE", value={"bookmarks": {"contacts": {"UpdatedDateUTC": "1"}}}),
        _message("SCHEMA", stream="invoices", schema={}, key_properties=["InvoiceID"]),
        _message("RECORD", stream="invoices", record={"InvoiceID": "c"}),
        _message("STATE", value={"bookmarks": {"invoices": {"UpdatedDateUTC": "2"}}}),
        "",
        "not json",
        _message("ACTIVATE_VERSION", stream="invoices", version=1),
    ]
    for line in lines:
        counts.feed(line.encode())

    assert counts.records == {"contacts": 2, "invoices": 1}
    assert counts.schemas == ["contacts", "invoices"]
    assert counts.states == 2
    assert counts.last_state == {"bookmarks": {"invoices": {"UpdatedDateUTC": "2"}}}
    assert counts.other_lines == 2


def test_catalog_select_keeps_and_selects_only_the_named_streams():
    catalog = {
        "streams": [
            {
                "tap_stream_id": name,
                "metadata": [
                    {"breadcrumb": [], "metadata": {"table-key-properties": ["Id"]}},
                    {"breadcrumb": ["properties", "Id"], "metadata": {}},
                ],
            }
            for name in ("bank_transactions", "contacts", "invoices", "payments")
        ]
    }

    selected = peer.catalog_select(catalog, ("contacts", "invoices"))

    assert [entry["tap_stream_id"] for entry in selected["streams"]] == ["contacts", "invoices"]
    for entry in selected["streams"]:
        top = next(item for item in entry["metadata"] if item["breadcrumb"] == [])
        assert top["metadata"] == {"table-key-properties": ["Id"], "selected": True}


def test_catalog_select_says_which_stream_is_missing():
    with pytest.raises(peer.PeerError, match="invoices"):
        peer.catalog_select({"streams": [{"tap_stream_id": "contacts", "metadata": []}]}, ("contacts", "invoices"))


def test_percentile_interpolates_between_ranks():
    values = [float(value) for value in range(1, 101)]  # 1..100, shuffled order must not matter
    values.reverse()

    assert report.percentile(values, 0.5) == pytest.approx(50.5)
    assert report.percentile(values, 0.95) == pytest.approx(95.05)
    assert report.percentile(values, 0) == 1
    assert report.percentile(values, 1) == 100
    assert report.percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError, match="no values"):
        report.percentile([], 0.5)


def test_calls_count_splits_accounting_calls_by_outcome_and_filters_by_app():
    calls = [
        {"client_id": "tap", "path": "/identity/connect/token", "status": 200, "duration_ms": 3, "time": "t0"},
        {"client_id": "tap", "path": "/api/api.xro/2.0/Contacts", "status": 200, "duration_ms": 10, "time": "t1"},
        {"client_id": "tap", "path": "/api/api.xro/2.0/Invoices", "status": 429, "duration_ms": 1, "time": "t2"},
        {"client_id": "tap", "path": "/api/api.xro/2.0/Invoices", "status": 200, "duration_ms": 20, "time": "t3"},
        {"client_id": "tap", "path": "/api/api.xro/2.0/Invoices/abc", "status": 404, "duration_ms": 1, "time": "t4"},
        {"client_id": "capsync", "path": "/api/api.xro/2.0/Invoices", "status": 200, "duration_ms": 50, "time": "t5"},
    ]

    tap = calls_count(calls, client_id="tap")

    assert (tap.accounting_ok, tap.accounting_429, tap.accounting_other, tap.identity) == (2, 1, 1, 1)
    assert tap.counted == 3
    assert tap.by_path == {"Contacts": 1, "Invoices": 3}
    assert tap.last_at_by_path == {"Contacts": "t1", "Invoices": "t4"}
    assert tap.server_seconds == pytest.approx(0.032)
    assert (tap.first_at, tap.last_at) == ("t1", "t4")
    assert calls_count(calls).accounting == 5


def test_vm_hwm_is_read_from_proc_status_and_absent_for_a_zombie():
    status = "Name:\tpython\nVmPeak:\t  200000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n"

    assert vm_hwm_kib(status) == 51234
    assert vm_hwm_kib("Name:\tpython\nState:\tZ (zombie)\n") is None


def test_launcher_replaces_only_the_two_xero_urls():
    source = (
        f'BASE_URL = "{XERO_API_URL}"\n'
        "def refresh():\n"
        f'    return post("{XERO_TOKEN_URL}", data=body)\n'
        'OTHER = "https://developer.xero.com/documentation"\n'
    )

    pointed = client_source_pointed_at(
        source, api_url="http://127.0.0.1:9/api/api.xro/2.0", token_url="http://127.0.0.1:9/identity/connect/token"
    )

    assert pointed == (
        "BASE_URL = 'http://127.0.0.1:9/api/api.xro/2.0'\n"
        "def refresh():\n"
        "    return post('http://127.0.0.1:9/identity/connect/token', data=body)\n"
        'OTHER = "https://developer.xero.com/documentation"\n'
    )


def test_launcher_refuses_a_tap_whose_urls_it_does_not_know():
    with pytest.raises(SystemExit, match="found it 0 times"):
        client_source_pointed_at(f'BASE_URL = "{XERO_API_URL}"\n', api_url="x", token_url="y")


def test_grid_tables_have_one_separator_and_right_aligned_numbers():
    table = report.grid(["Measure", "A", "B"], [["calls", "12", "112"]])

    assert table.splitlines() == ["| Measure | A | B |", "| --- | ---: | ---: |", "| calls | 12 | 112 |"]
    assert report.grid_plain(["Measure", "A"], [["calls", "112"]]).splitlines() == ["Measure    A", "calls    112"]


def test_window_floor_waits_out_all_but_the_last_window_and_adds_its_work():
    floor = report.window_floor(calls=112, seconds_per_call=0.3, seconds_per_store=0.05)

    assert (floor.windows, floor.last_window_calls) == (2, 52)
    assert floor.waits_seconds == 60
    # 52 calls at 5 in flight are 11 rounds of one call each, then the last page is stored.
    assert floor.last_window_work_seconds == pytest.approx(11 * 0.3 + 0.05)
    assert floor.seconds == pytest.approx(60 + 11 * 0.3 + 0.05)


def test_window_floor_of_one_window_is_only_its_work_and_of_no_calls_is_zero():
    assert report.window_floor(calls=60, seconds_per_call=1.0, seconds_per_store=0.0).seconds == 12
    assert report.window_floor(calls=61, seconds_per_call=1.0, seconds_per_store=0.0).seconds == 61
    assert report.window_floor(calls=0, seconds_per_call=1.0, seconds_per_store=1.0).seconds == 0
    with pytest.raises(ValueError, match="negative"):
        report.window_floor(calls=-1, seconds_per_call=1.0, seconds_per_store=0.0)


def test_an_organisations_own_floor_is_one_minute_per_full_window_of_calls():
    from bench.orgs import own_floor

    assert [own_floor(calls) for calls in (0, 14, 60, 61, 112, 121)] == [0, 0, 0, 60, 60, 120]


def test_app_calls_a_minute_counts_the_busiest_minute_from_the_first_call():
    from bench.orgs import _per_minute

    calls = [
        {"time": f"2026-12-07T09:{minute:02}:{second:02}+00:00"}
        for minute, second in [(0, 0), (0, 30), (0, 59), (1, 0), (2, 10), (2, 20), (2, 30), (2, 40)]
    ]

    assert _per_minute(calls) == (4, pytest.approx(3.0))
    assert _per_minute([]) == (0, 0.0)


def test_peak_overlap_counts_the_syncs_running_at_one_moment():
    from datetime import UTC, datetime

    from bench.orgs import peak_overlap

    def at(second: int) -> datetime:
        return datetime(2026, 12, 7, 12, 0, second, tzinfo=UTC)

    assert peak_overlap([(at(0), at(10)), (at(5), at(15)), (at(9), at(20))]) == 3
    assert peak_overlap([(at(0), at(5)), (at(5), at(10))]) == 1  # one ends as the next begins
    assert peak_overlap([]) == 0


def test_prefork_pool_processes_are_found_and_reported_apart_from_their_parent():
    import subprocess
    import sys

    from bench.orgs import pool_processes, rss_rows
    from bench.process import PeakRss

    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', 'input()'])"],
        stdin=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            if children := pool_processes(parent):
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert len(children) == 1
    finally:
        parent.communicate(b"\n", timeout=10)
    assert pool_processes(parent) == []  # gone

    def peak(kib: int) -> PeakRss:
        measured = PeakRss(0)
        measured.kib = kib
        return measured

    threads = rss_rows([peak(200 * 1024)], [[]])
    prefork = rss_rows([peak(110 * 1024)], [[peak(120 * 1024), peak(140 * 1024)]])

    assert [(row.measure, row.value) for row in threads] == [("Peak RSS per worker (VmHWM)", "200 MiB")]
    assert [row.value for row in prefork] == ["110 MiB", "max 140 MiB"]
    assert prefork[1].target == "120 MiB, 140 MiB"


def _answered(second: float, *, status: int = 200, duration_ms: float = 0, client_id: str = "capsync") -> dict:
    return {
        "client_id": client_id,
        "tenant_id": "org",
        "path": "/api/api.xro/2.0/Invoices",
        "status": status,
        "duration_ms": duration_ms,
        "time": (datetime(2026, 12, 7, 13, 0, tzinfo=UTC) + timedelta(seconds=second)).isoformat(),
    }


def test_the_last_minute_window_opens_with_the_first_call_after_the_previous_one_closed():
    calls = [_answered(0), _answered(30), _answered(61.5), _answered(100), _answered(119)]

    closes = minute_windows_close(calls)

    assert closes == datetime(2026, 12, 7, 13, 2, 1, 500000, tzinfo=UTC)


def test_a_window_counts_from_the_calls_arrival_and_refused_calls_open_none():
    # Answered at 61 s after 2 s on the wire: it arrived at 59 s, inside the first window, so the call answered at
    # 65 s opens the second one; the 429 at 62 s opened nothing.
    calls = [_answered(0), _answered(61, duration_ms=2000), _answered(62, status=429), _answered(65)]

    closes = minute_windows_close(calls)

    assert closes == datetime(2026, 12, 7, 13, 2, 5, tzinfo=UTC)
    assert minute_windows_close([_answered(3, status=429)]) is None
