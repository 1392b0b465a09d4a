"""The benchmark's sync worker: one `organisation_sync` in its own process, timed stage by stage.

Run by `python -m bench` as `python -m bench.worker --connection ID --kind full|incremental [--profile PATH]`,
with the environment (DATABASE_URL, XERO_*) set by the parent. It does what `manage.py xero_sync` does (the
same service, clock, identity and `time.sleep`), but wraps a few module functions with timers first, so the
report can say where the time went: HTTP to Xero, waiting out rate limits, parsing, and the database writes.
The wrappers only measure and then call the real function. Its last stdout line is a JSON object.
"""

import argparse
import cProfile
import functools
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import django


class Timers:
    """Seconds and calls spent in each wrapped function (wall clock, so nested timers overlap)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed

    def patch(self, owner: object, attribute: str, name: str) -> None:
        setattr(owner, attribute, self.wrap(name, getattr(owner, attribute)))


def instrument() -> Timers:
    """Put timers around the sync's stages in this process (after django.setup()); they never nest.

    The sync's `sleep` is passed in, so the caller wraps it as "rate_limit_sleep".
    """
    # Imported here because the app modules need Django set up first.
    from integrations.xero import schemas
    from integrations.xero.client import accounting, transport
    from integrations.xero.sync import contacts as contact_sync
    from integrations.xero.sync import invoices as invoice_sync

    timers = Timers()
    # With pages read ahead (sync/prefetch.py) these three run in several threads at once: their seconds add up
    # the time of each thread, so they can overlap the database work and each other.
    timers.patch(transport.Transport, "request", "http")
    timers.patch(accounting, "decode_json", "json_decode")
    timers.patch(schemas, "page_of", "parse")
    timers.patch(invoice_sync, "invoices_apply", "invoices_apply")
    timers.patch(invoice_sync, "credit_notes_apply", "credit_notes_apply")
    timers.patch(invoice_sync, "invoices_relink", "invoices_relink")
    timers.patch(contact_sync, "xero_contacts_store", "contacts_store")
    timers.patch(contact_sync, "contacts_link_paying", "contacts_link_paying")
    return timers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--connection", type=int, required=True)
    parser.add_argument("--kind", choices=["full", "incremental"], required=True)
    parser.add_argument("--profile", help="write cProfile stats of the sync to this file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    django.setup()
    # Django must be set up before the app modules are imported.
    from django.utils import timezone

    from integrations.xero import client
    from integrations.xero.models import SyncRun
    from integrations.xero.sync import run as sync_run

    setup_seconds = time.perf_counter() - started
    timers = instrument()
    sleep = timers.wrap("rate_limit_sleep", time.sleep)
    kind = SyncRun.Kind.FULL if args.kind == "full" else SyncRun.Kind.INCREMENTAL

    profiler = cProfile.Profile() if args.profile else None
    sync_started = time.perf_counter()
    if profiler:
        profiler.enable()
    finished = sync_run.organisation_sync(
        connection_id=args.connection,
        kind=kind,
        clock=timezone.now,
        identity=client.identity_from_settings(),
        sleep=sleep,
    )
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    sync_seconds = time.perf_counter() - sync_started

    print(
        json.dumps(
            {
                "run_id": finished.pk,
                "outcome": finished.outcome,
                "setup_seconds": setup_seconds,
                "sync_seconds": sync_seconds,
                "timers": timers.seconds,
                "timer_calls": timers.calls,
            }
        ),
        flush=True,
    )
    return 0 if finished.outcome == SyncRun.Outcome.SUCCEEDED else 1


if __name__ == "__main__":
    sys.exit(main())
