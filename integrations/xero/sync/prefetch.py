"""Reading a resource's pages while the previous ones are being applied: up to five calls on the wire at once.

Xero answers a page of 1,000 invoices in about a second, and the sync spends about as long storing it. Read page
after page, the two add up; read ahead, the calls overlap each other and the storing. The pages still reach the
caller one at a time and in order, in the caller's thread (Django's database work stays there), so what is stored
is exactly what a page-after-page read stores, with the same calls.

Bounds: at most AHEAD pages are asked for or waiting beyond the one being applied, so memory holds at most
AHEAD + 1 pages; a pool of AHEAD threads makes the calls, so at most AHEAD (Xero's 5) are in flight for the
organisation from this sync, and the transport's call slots (in_flight.py) still count every other process's.
The pacer (pacing.py) is the transport's `pace` hook, so calls from every thread share the minute window.

Several syncs in one worker process (a threads pool) share one allowance of pages read ahead (`_AHEAD_BUDGET`,
AHEAD pages): each sync always has its next page asked for, and takes further pages ahead only while the
process has allowance left. A lone sync reads ahead as before; five syncs in one process hold about 2 x 5 + 5
pages instead of 5 x 6, so the worker's memory no longer grows with its concurrency as fast.
"""

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from integrations.xero import client, in_flight, schemas
from integrations.xero.sync.context import SyncContext

AHEAD = in_flight.MAX_CALLS_IN_FLIGHT
_AHEAD_BUDGET = threading.BoundedSemaphore(AHEAD)  # pages read ahead beyond each sync's next one, per process

# fetch_with(xero)(start_page) -> the pages from start_page on (a client list call with its filters bound).
FetchWith = Callable[[client.XeroClient], Callable[[int], Iterator[schemas.Page[Any]]]]


def pages_ahead(
    ctx: SyncContext, fetch_with: FetchWith, *, ahead: int = AHEAD, start: int = 1, last: int | None = None
) -> Iterator[schemas.Page[Any]]:
    """Every page of one list read from page `start` (up to page `last` when given), in order, with up to `ahead`
    of the next pages fetched meanwhile; no page after `last` is asked for.

    Page `start` is read in this thread: Xero's pagination says how many pages there are. The next pages up to that
    count are then
    fetched by worker threads through a twin of the client pinned to the current access token (the threads never
    touch the database); a page whose token was refused is fetched again here, where the token can be refreshed.
    A resource without a page count (Quotes) is read page after page. Each page is retried like `ctx.pages`;
    whatever a page's fetch raised in the end is raised here, when the caller reaches that page.
    """
    first_pages = ctx.pages(fetch_with(ctx.xero), start=start)
    first = next(first_pages, None)
    if first is None:
        return
    yield first
    if first.page_count is None:
        yield from first_pages
        return
    first_pages.close()
    end = first.page_count if last is None else min(first.page_count, last)
    if end <= first.page:
        return
    yield from _pages_in_threads(ctx, fetch_with, numbers=range(first.page + 1, end + 1), ahead=ahead)


def _pages_in_threads(
    ctx: SyncContext, fetch_with: FetchWith, *, numbers: range, ahead: int
) -> Iterator[schemas.Page[Any]]:
    pinned = [ctx.xero.pinned()]

    def page(number: int, xero: client.XeroClient) -> schemas.Page[Any] | None:
        return ctx.call(lambda: next(fetch_with(xero)(number), None))

    # (page number, its fetch, whether it holds one of the process's read-ahead pages)
    waiting: deque[tuple[int, Future[schemas.Page[Any] | None], bool]] = deque()
    to_ask = iter(numbers)
    pool = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="xero-pages")
    left = [len(numbers)]

    def ask_more() -> None:
        """Ask for pages until `ahead` are waiting: the next one always, the others while the process has
        read-ahead allowance."""
        while left[0] and len(waiting) < ahead:
            budgeted = bool(waiting)
            if budgeted and not _AHEAD_BUDGET.acquire(blocking=False):
                return
            number = next(to_ask)
            left[0] -= 1
            waiting.append((number, pool.submit(page, number, pinned[0]), budgeted))

    try:
        ask_more()
        while waiting:
            number, future, budgeted = waiting.popleft()
            try:
                try:
                    fetched = future.result()
                except client.TokenExpired:
                    fetched = page(number, ctx.xero)  # refreshes the token, in this thread
                    pinned[0] = ctx.xero.pinned()
                # Ask for the next pages before handing this one over, so they are on the wire while it is applied.
                ask_more()
                if fetched is not None:
                    yield fetched
            finally:
                if budgeted:
                    _AHEAD_BUDGET.release()
    finally:
        for _, future, budgeted in waiting:
            future.cancel()
            if budgeted:
                _AHEAD_BUDGET.release()
        pool.shutdown(wait=False, cancel_futures=True)
