"""Invoice pages stored on their own database connections while the sync reads and parses the next ones.

Storing a page of 1,000 invoices is mostly PostgreSQL's work (the COPY, the upsert into the table's indexes, the
foreign-key checks at commit), and the sync's thread used to wait for it before it could parse the next page. With
writers, the sync's thread links a page's paying contacts (committed at once), hands the page's store to a writer
and goes on, while up to `count` pages are stored at the same time, each in its own transaction on its writer's
own connection. On two CPUs, two writers roughly double how many invoice rows a second reach the table; what one
page's store costs does not change (bench/dbwork.py measures both).

What stays true with writers:
- a page's contact links are committed before its store is handed over, so its invoices are stored attached;
- a failed store stops the sync: the next `submit` (or the end of the `page_writers` block) raises it, no page
  handed over after it is stored (one another writer had begun is finished), and the sync's cursors do not move,
  so the next run reads those pages again;
- the block ends only once every page handed over is stored (or the first failure is known): a slice never ends,
  and a run never moves its cursors, with a page still being written;
- pages of one run may be stored in any order. That is safe: each page's rows are upserted "newer wins" under row
  locks taken in Xero ID order, and each of the receivable summary's triggers locks its keys in key order
  (invoices migration 0011), so two writers storing new invoices wait for each other but do not deadlock. An
  upsert that both updates and inserts fires two triggers, one after the other, so two pages of changed and new
  invoices can still lock two keys in opposite orders: PostgreSQL then stops one of them with a deadlock error,
  and that page's store is run again after a short random pause (it is an idempotent upsert).

Writers are used only where another connection sees what this one committed: on PostgreSQL, outside any atomic
block (inside one, such as a test wrapped in a transaction, the rows written so far are invisible to other
connections) and with settings.XERO_SYNC_PAGE_WRITERS above 0. Elsewhere, such as the demo's SQLite, each page is
stored in the calling thread as before. The sync also leaves them out while the machine's CPUs are all busy
(`cpus_to_spare`).
"""

import logging
import os
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, connections

logger = logging.getLogger(__name__)

DEADLOCK_RETRIES = 3
_DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE for "deadlock detected"

Store = Callable[[], int]
OnStored = Callable[[int], None]


class PageWriters:
    """Threads that each store pages on their own database connection, `count` pages at a time at most.

    `submit` and `wait` are called from one thread (the sync's); `on_stored` callbacks run in that thread too, from
    `submit` or `wait`, so whatever they update needs no lock.
    """

    def __init__(self, count: int) -> None:
        self._work: queue.SimpleQueue[tuple[Store, OnStored] | None] = queue.SimpleQueue()
        self._outcomes: queue.SimpleQueue[tuple[OnStored, int] | BaseException | None] = queue.SimpleQueue()
        self._free = threading.Semaphore(count)
        self._failed = threading.Event()
        self._failure: BaseException | None = None
        self._pending = 0
        self._threads = [
            threading.Thread(target=self._serve, name=f"page-writer-{number}", daemon=True) for number in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, store: Store, *, on_stored: OnStored) -> None:
        """Hand over a page's store; waits while `count` pages are being stored. `on_stored` gets the number of
        rows written. Raises the failure of a page handed over earlier."""
        self._collect(block=False)
        self._free.acquire()
        self._pending += 1
        self._work.put((store, on_stored))
        self._collect(block=False)

    def wait(self) -> None:
        """Wait until every page handed over is stored; raises the first failure."""
        self._collect(block=True)

    def close(self) -> None:
        """Let every page handed over finish, then stop the threads (each closes its database connection)."""
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join()
        # Every outcome is in by now (the threads are gone). Without waiting: an interruption between handing a
        # page over and counting it could otherwise leave `_pending` above what will ever arrive.
        while True:
            try:
                self._take(self._outcomes.get_nowait())
            except queue.Empty:
                return

    @property
    def failure(self) -> BaseException | None:
        return self._failure

    def _collect(self, *, block: bool) -> None:
        while self._pending:
            try:
                outcome = self._outcomes.get(block=block)
            except queue.Empty:
                break
            self._take(outcome)
        if self._failure is not None:
            raise self._failure

    def _take(self, outcome: tuple[OnStored, int] | BaseException | None) -> None:
        self._pending -= 1
        if isinstance(outcome, BaseException):
            self._failure = self._failure or outcome
        elif outcome is not None:
            on_stored, written = outcome
            on_stored(written)

    def _serve(self) -> None:
        try:
            while (task := self._work.get()) is not None:
                store, on_stored = task
                outcome: tuple[OnStored, int] | BaseException | None = None
                try:
                    if not self._failed.is_set():  # after a failure, later pages are left for the next run
                        outcome = (on_stored, _store_retrying(store))
                except BaseException as exc:  # handed to the sync's thread, which raises it
                    self._failed.set()
                    outcome = exc
                finally:
                    self._outcomes.put(outcome)
                    self._free.release()
        finally:
            connections.close_all()  # this thread's own connections


def _store_retrying(store: Store, *, sleep: Callable[[float], None] = time.sleep) -> int:
    """Run `store`; when PostgreSQL stopped it to break a deadlock, run it again (at most DEADLOCK_RETRIES times
    in all) after a random pause, so the two writers do not meet again in step."""
    attempt = 1
    while True:
        try:
            return store()
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != _DEADLOCK or attempt >= DEADLOCK_RETRIES:
                raise
            logger.warning("A page's store met a deadlock; storing it again", extra={"attempt": attempt})
            sleep(random.uniform(0.05, 0.25) * attempt)  # a pause, not a secret
            attempt += 1


def cpus_to_spare() -> bool:
    """Whether the machine has CPU to spare for page writers: its load average over the last minute is below
    settings.XERO_SYNC_PAGE_WRITERS_MAX_LOAD (by default, the number of CPUs this process may run on).

    Writers put a CPU that would wait to work on a page's store while the next page is read. When every CPU is
    busy already, as in a worker running many organisations' syncs at once, they add only contention and
    connections: 100 organisations on two prefork workers of five processes (2 CPUs) took 165.5 s with writers
    and 140.2 s without (docs/BENCHMARKS.md, issue 18)."""
    return os.getloadavg()[0] < settings.XERO_SYNC_PAGE_WRITERS_MAX_LOAD


def writers_possible() -> bool:
    """Whether a writer's connection would see what this thread's connection has committed."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


@contextmanager
def page_writers(count: int) -> Iterator[PageWriters | None]:
    """`count` page writers for the block (None when there are none to have: see the module's docstring).

    On leaving, every page handed over is stored first. A failed store is raised then, in place of whatever the
    block raised (even SliceEnd: a slice must not end past a page that was not stored)."""
    if count <= 0 or not writers_possible():
        yield None
        return
    writers = PageWriters(count)
    try:
        yield writers
        writers.wait()
    except BaseException as exc:
        writers.close()
        if writers.failure is not None and writers.failure is not exc:
            raise writers.failure from exc
        raise
    writers.close()
