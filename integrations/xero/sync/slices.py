"""A sync run in slices: what one task leaves for the next, so no organisation waits for another's whole sync.

An organisation-wide run (full or incremental) reads at most XERO_SYNC_SLICE_PAGES pages in one Celery task (10
by default, about ten seconds of storing). Then it stops after storing a page, saves on its SyncRun where it is
(the run's order of steps, the step and page, the claim it keeps on the organisation, Xero's clock for the
cursors, the paying contacts met so far and the organisation's minute window) and the task queues the next slice
behind whatever else waits, so the workers take turns between organisations. Nothing is held in a process between
slices: a killed worker's slice is redelivered (acks late) and goes on from the last saved place; cursors still
move only when the whole run has succeeded, and every write is an upsert, so a slice done twice stores nothing
twice.
"""

from datetime import datetime
from typing import Any

from integrations.xero.sync.context import SliceEnd, SyncContext

# The order of the steps before the small reads were moved ahead of the invoice pages (2026-12-07). A run saved
# by that code has no "steps" in its resume state and goes on in this order, so no step is skipped or done twice.
STEPS_BEFORE_SMALL_FIRST = ("Invoices", "CreditNotes", "Contacts", "Paying", "Quotes", "Catalogue")


def resume_state(ctx: SyncContext, end: SliceEnd, *, slice_number: int) -> dict[str, Any]:
    """What the next slice needs to go on exactly where this one stopped (JSON for SyncRun.resume)."""
    pacer = ctx.pacer
    return {
        "slice": slice_number,
        "steps": list(ctx.steps),
        "step": end.step,
        "page": end.page,
        "claim": ctx.claim_token,
        "server_time": ctx.server_time.isoformat() if ctx.server_time else None,
        "partial": ctx.partial,
        "paying": sorted(ctx.paying),
        "suppliers": sorted(ctx.suppliers),
        # Xero's minute window of the organisation, so the next slice (in any process) does not start a fresh one.
        "window_started": pacer.window_started.isoformat() if pacer.window_started else None,
        "started_in_window": pacer.started_in_window,
        # As at the end of this slice: a slice redone after its worker died counts its pages once.
        "counts": dict(ctx.counts),
        "done": ctx.run.done,
    }


def resume_restore(ctx: SyncContext, resume: dict[str, Any]) -> None:
    """Put a resumed run's context back where `resume_state` left it."""
    ctx.steps = tuple(resume.get("steps") or STEPS_BEFORE_SMALL_FIRST)
    ctx.resume_step, ctx.resume_page = resume["step"], resume["page"]
    ctx.server_time = datetime.fromisoformat(resume["server_time"]) if resume["server_time"] else None
    ctx.partial = resume["partial"]
    ctx.paying, ctx.suppliers = set(resume["paying"]), set(resume["suppliers"])
    ctx.counts, ctx.run.done = dict(resume["counts"]), resume["done"]
    if resume["window_started"]:
        ctx.pacer.window_started = datetime.fromisoformat(resume["window_started"])
        ctx.pacer.started_in_window = resume["started_in_window"]
