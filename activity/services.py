"""Writes of notes and tasks, and the chase tasks of overdue invoices.

Callers have checked that the user may see the contact, opportunity, note or task (views load them through
`selectors`); services take ids and the time, own their transaction and raise a named exception when the input
cannot be stored, so nothing is half-saved.
"""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction

from activity.models import Note, Task
from invoices.models import Invoice
from invoices.overdue import outstanding_filter

NOTE_MAX_LENGTH = 20_000
# A call or meeting is logged after it happened; a little slack covers clocks that disagree.
NOTE_FUTURE_SLACK = timedelta(minutes=5)


class NoteInvalid(ValueError):
    """The note cannot be stored as given (the message says why, for the form)."""


class TaskInvalid(ValueError):
    """The task cannot be stored as given: the message says why, `field` names the form field at fault (None when
    it is the task as a whole)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _checked_note(*, kind: str, body: str, happened_at: datetime, now: datetime) -> tuple[str, str]:
    body = body.strip()
    if kind not in Note.Kind.values:
        raise NoteInvalid(f"Choose what this is: {', '.join(label.lower() for label in Note.Kind.labels)}.")
    if not body:
        raise NoteInvalid("Write something: an empty note can't be saved.")
    if len(body) > NOTE_MAX_LENGTH:
        raise NoteInvalid(f"Keep a note under {NOTE_MAX_LENGTH:,} characters (this one has {len(body):,}).")
    if happened_at > now + NOTE_FUTURE_SLACK:
        raise NoteInvalid("A logged call, meeting or note can't be in the future: set when it happened.")
    return kind, body


@transaction.atomic
def note_create(
    *,
    contact_id: int,
    author_id: int,
    kind: str,
    body: str,
    happened_at: datetime,
    now: datetime,
    opportunity_id: int | None = None,
) -> Note:
    """Record a note (or call, meeting, email) on the contact, and on one of its opportunities when given.

    Raises NoteInvalid for an unknown kind, an empty or over-long body, or a time in the future.
    """
    kind, body = _checked_note(kind=kind, body=body, happened_at=happened_at, now=now)
    return Note.objects.create(
        kind=kind,
        contact_id=contact_id,
        opportunity_id=opportunity_id,
        author_id=author_id,
        body=body,
        happened_at=happened_at,
        created_at=now,
        updated_at=now,
    )


def sync_note_record(*, contact_id: int, body: str, now: datetime) -> Note:
    """Record what a sync with another system did to the contact that someone should be able to find later (say,
    a value Xero and Capsync both changed, and which one was kept). Written by nobody, dated `now`."""
    return Note.objects.create(
        kind=Note.Kind.NOTE,
        contact_id=contact_id,
        author=None,
        body=body.strip()[:NOTE_MAX_LENGTH] or "(sync note)",
        happened_at=now,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def note_update(*, note_id: int, kind: str, body: str, happened_at: datetime, now: datetime) -> Note:
    """Change a note's kind, text and time. Raises NoteInvalid (nothing changes) or Note.DoesNotExist."""
    kind, body = _checked_note(kind=kind, body=body, happened_at=happened_at, now=now)
    note = Note.objects.select_for_update().get(pk=note_id)
    note.kind, note.body, note.happened_at, note.updated_at = kind, body, happened_at, now
    note.save(update_fields=["kind", "body", "happened_at", "updated_at"])
    return note


@transaction.atomic
def note_delete(*, note_id: int) -> None:
    """Delete a note. Raises Note.DoesNotExist when it is already gone."""
    deleted, _ = Note.objects.filter(pk=note_id).delete()
    if not deleted:
        raise Note.DoesNotExist(f"No note {note_id}")


TASK_TITLE_MAX_LENGTH = 200
# Due dates further out than this are almost always a mistyped year.
TASK_DUE_YEARS_AHEAD = 10


@transaction.atomic
def task_create(
    *,
    title: str,
    due_on: date,
    owner_id: int,
    created_by_id: int,
    now: datetime,
    today: date,
    contact_id: int | None = None,
    opportunity_id: int | None = None,
) -> Task:
    """Record a follow-up for `owner_id` due on `due_on`, about the contact or opportunity when given.

    Raises TaskInvalid for an empty or over-long title, or a due date more than a year in the past or more than
    TASK_DUE_YEARS_AHEAD years ahead of `today`.
    """
    title = title.strip()
    if not title:
        raise TaskInvalid("Say what needs doing: a task needs a title.", field="title")
    if len(title) > TASK_TITLE_MAX_LENGTH:
        raise TaskInvalid(
            f"Keep the title under {TASK_TITLE_MAX_LENGTH} characters (this one has {len(title)}).", field="title"
        )
    if due_on < today - timedelta(days=366):
        raise TaskInvalid(f"The due date {due_on:%d %b %Y} is more than a year ago: check the year.", field="due_on")
    if due_on > today.replace(year=today.year + TASK_DUE_YEARS_AHEAD, day=min(today.day, 28)):
        raise TaskInvalid(
            f"The due date {due_on:%d %b %Y} is more than {TASK_DUE_YEARS_AHEAD} years away.", field="due_on"
        )
    return Task.objects.create(
        title=title,
        due_on=due_on,
        owner_id=owner_id,
        created_by_id=created_by_id,
        created_at=now,
        contact_id=contact_id,
        opportunity_id=opportunity_id,
    )


def task_complete(*, task_id: int, user_id: int, now: datetime) -> Task:
    """Mark a task done by `user_id` (again is harmless: the first completion is kept).

    Raises Task.DoesNotExist.
    """
    Task.objects.filter(pk=task_id, completed_at__isnull=True).update(completed_at=now, completed_by_id=user_id)
    return Task.objects.select_related("owner", "contact", "opportunity", "invoice").get(pk=task_id)


def task_reopen(*, task_id: int) -> Task:
    """Undo a completion. Raises Task.DoesNotExist."""
    Task.objects.filter(pk=task_id).update(completed_at=None, completed_by=None)
    return Task.objects.select_related("owner", "contact", "opportunity", "invoice").get(pk=task_id)


def chase_task_title(invoice: Invoice) -> str:
    return f"Chase {invoice.number or 'an overdue invoice'}"


def chase_task_create(*, invoice: Invoice, owner_id: int, due_on: date, now: datetime) -> Task | None:
    """The "Chase <invoice>" task of an invoice that has just become overdue, for the contact's owner, due
    `due_on`. Returns None when the invoice already has one: the database allows one per invoice, so racing
    overdue runs create it once. Runs in the caller's transaction (the overdue alert's)."""
    try:
        with transaction.atomic():
            return Task.objects.create(
                title=chase_task_title(invoice)[:TASK_TITLE_MAX_LENGTH],
                due_on=due_on,
                owner_id=owner_id,
                contact_id=invoice.contact_id,
                invoice=invoice,
                created_at=now,
            )
    except IntegrityError:
        if Task.objects.filter(invoice=invoice).exists():
            return None
        raise


def chase_tasks_complete_settled(*, now: datetime) -> int:
    """Complete every open chase task whose invoice no longer has money due (paid, credited or voided), from what
    the sync stored: one UPDATE, no Xero call. Returns how many were completed."""
    still_due = Invoice.objects.filter(outstanding_filter())
    return (
        Task.objects.filter(completed_at__isnull=True, invoice__isnull=False)
        .exclude(invoice__in=still_due)
        .update(completed_at=now)
    )
