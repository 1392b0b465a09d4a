"""The timelines: notes, tasks and money events of a contact or an opportunity, interleaved by date.

Every source is one branch of a single UNION ALL (columns `money_events.COLUMNS`), which the database orders and
pages; only the page's notes and tasks are then loaded whole. A page costs five queries whatever the history's
length: the visibility check, the organisations' local dates, the UNION, the page's notes and its tasks.
A user who may not see money gets "invoice issued" events only, without amounts (`money_event_rows`).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import User
from accounts.selectors import user_sees_money
from activity.models import Note, Task
from activity.money_events import (
    MoneyScope,
    contact_money_scope,
    money_event_rows,
    money_scope_organisations,
    opportunity_money_scope,
    timeline_columns,
)
from contacts.models import Contact
from contacts.selectors import contacts_visible_to
from opportunities.selectors import opportunities_visible_to

PAGE_SIZE = 25


class Show(StrEnum):
    """The timeline's filter: everything, only notes and tasks, or only money events."""

    ALL = "all"
    NOTES = "notes"
    MONEY = "money"

    @classmethod
    def parse(cls, value: str | None) -> "Show":
        """The filter named by a query string value; anything unknown shows everything."""
        try:
            return cls(value or cls.ALL)
        except ValueError:
            return cls.ALL

    @property
    def label(self) -> str:
        """What the filter's link says."""
        return {Show.ALL: "Everything", Show.NOTES: "Notes & tasks", Show.MONEY: "Money"}[self]


_HEADLINES = {
    "invoice_issued": "Invoice {label} issued",
    "credit_note_issued": "Credit note {label} issued",
    "payment_received": "Payment received for {label}",
    "credit_applied": "Credit note {label} applied",
    "invoice_overdue": "Invoice {label} became overdue",
    "quote_created": "Quote {label} created",
    "quote_sent": "Quote {label} sent",
    "quote_accepted": "Quote {label} accepted",
    "quote_declined": "Quote {label} declined",
    "quote_invoiced": "Quote {label} invoiced",
    "instalment_paid": "{detail} paid",
    "instalment_overdue": "{detail} became overdue",
}


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One line of a timeline: a note, a task or a money event (amount, currency and the Xero document)."""

    on: date
    kind: str  # "note", "task", or a money event kind (money_events' table)
    id: int
    amount: Decimal | None = None
    currency: str = ""
    doc: str = ""  # the Xero document kind for the deep link: invoice, credit_note or quote
    xero_id: str = ""
    short_code: str = ""
    label: str = ""
    detail: str = ""
    note: Note | None = None
    task: Task | None = None

    @property
    def is_money(self) -> bool:
        return self.kind not in ("note", "task")

    @property
    def headline(self) -> str:
        """What happened, in words ("Payment received for INV-0042")."""
        if not self.is_money:
            return ""
        return _HEADLINES[self.kind].format(label=self.label or "(no number)", detail=self.detail)

    @property
    def settles(self) -> bool:
        """A payment that paid its invoice in full."""
        return self.kind == "payment_received" and self.detail == "full"


@dataclass(frozen=True)
class HistoryPage:
    """One page of a timeline, newest first; `next_page` is None on the last."""

    items: list[HistoryItem]
    show: Show
    page: int
    next_page: int | None


def _note_rows(notes: QuerySet[Note]) -> QuerySet:
    return timeline_columns(notes, on=TruncDate("happened_at"), at=F("happened_at"), kind="note", id=F("pk"))


def _task_rows(tasks: QuerySet[Task]) -> QuerySet:
    return timeline_columns(
        tasks,
        on=Coalesce(TruncDate("completed_at"), F("due_on")),
        at=Coalesce(F("completed_at"), F("created_at")),
        kind="task",
        id=F("pk"),
    )


def _page(
    *,
    user: User,
    notes: QuerySet[Note],
    tasks: QuerySet[Task],
    scope: MoneyScope,
    show: Show,
    page: int,
    now: datetime,
) -> HistoryPage:
    branches = []
    if show in (Show.ALL, Show.NOTES):
        branches += [_note_rows(notes), _task_rows(tasks)]
    if show in (Show.ALL, Show.MONEY):
        branches += money_event_rows(
            scope=scope, orgs=money_scope_organisations(scope, now=now), amounts=user_sees_money(user=user)
        )
    first, *rest = branches
    start = max(page - 1, 0) * PAGE_SIZE
    union = first.union(*rest, all=True).order_by(
        F("t_on").desc(), F("t_at").desc(nulls_last=True), "t_kind", F("t_id").desc()
    )
    rows = list(union[start : start + PAGE_SIZE + 1])
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    note_ids = [row["t_id"] for row in rows if row["t_kind"] == "note"]
    task_ids = [row["t_id"] for row in rows if row["t_kind"] == "task"]
    loaded_notes = Note.objects.select_related("author", "contact", "opportunity").in_bulk(note_ids) if note_ids else {}
    loaded_tasks = (
        Task.objects.select_related("owner", "contact", "opportunity", "invoice").in_bulk(task_ids) if task_ids else {}
    )
    items = [
        HistoryItem(
            on=row["t_on"],
            kind=row["t_kind"],
            id=row["t_id"],
            amount=row["t_amount"],
            currency=row["t_currency"] or "",
            doc=row["t_doc"] or "",
            xero_id=row["t_xero_id"] or "",
            short_code=row["t_short_code"] or "",
            label=row["t_label"] or "",
            detail=row["t_detail"] or "",
            note=loaded_notes.get(row["t_id"]) if row["t_kind"] == "note" else None,
            task=loaded_tasks.get(row["t_id"]) if row["t_kind"] == "task" else None,
        )
        for row in rows
    ]
    return HistoryPage(items=items, show=show, page=max(page, 1), next_page=max(page, 1) + 1 if more else None)


def contact_history(*, user: User, contact_id: int, show: Show, page: int, now: datetime) -> HistoryPage:
    """One page of the contact's timeline as of `now`: its notes and tasks (an organisation's include its
    people's) and its money events (`money_events`), newest first.

    Raises Contact.DoesNotExist when the contact does not exist or the user may not see it.
    """
    contact = contacts_visible_to(user=user).only("pk").get(pk=contact_id)
    people = Contact.objects.filter(organisation_id=contact.pk).values("pk")
    notes = Note.objects.filter(contact_id=contact.pk) | Note.objects.filter(contact__in=people)
    tasks = Task.objects.filter(contact_id=contact.pk) | Task.objects.filter(contact__in=people)
    return _page(
        user=user,
        notes=notes,
        tasks=tasks,
        scope=contact_money_scope(contact_id=contact.pk),
        show=show,
        page=page,
        now=now,
    )


def opportunity_history(*, user: User, opportunity_id: int, show: Show, page: int, now: datetime) -> HistoryPage:
    """One page of the opportunity's timeline as of `now`: its notes and tasks, its quotes, its invoices (matched
    to its instalments, or whose reference names it) with their payments, and its instalments.

    Raises Opportunity.DoesNotExist when the opportunity does not exist or the user may not see it.
    """
    opportunity = opportunities_visible_to(user=user).only("pk", "contact_id").get(pk=opportunity_id)
    scope = opportunity_money_scope(opportunity_id=opportunity.pk, contact_id=opportunity.contact_id)
    return _page(
        user=user,
        notes=Note.objects.filter(opportunity_id=opportunity.pk),
        tasks=Task.objects.filter(opportunity_id=opportunity.pk),
        scope=scope,
        show=show,
        page=page,
        now=now,
    )


__all__ = ["PAGE_SIZE", "HistoryItem", "HistoryPage", "Show", "contact_history", "opportunity_history"]
