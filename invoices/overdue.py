"""Overdue is derived, never stored: pure functions of an invoice's figures and the organisation's local date.

Xero has no OVERDUE status. An invoice is overdue when it is AUTHORISED, has something due and its due date is
before "today" in the organisation's timezone (Xero due dates are calendar dates in that timezone).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import Q

_CREDIT_TYPES = frozenset({"ACCRECCREDIT", "ACCPAYCREDIT"})
_INVOICE_TYPES = frozenset({"ACCREC", "ACCPAY"})
_PLAIN_LABELS = {"DRAFT": "Draft", "SUBMITTED": "Submitted", "VOIDED": "Voided", "DELETED": "Deleted"}


class Tone(StrEnum):
    """How a chip should look; templates map it to a CSS class."""

    MUTED = "muted"  # draft, submitted, voided, deleted
    SETTLED = "settled"  # paid, used credit
    DUE = "due"  # due in the future or today
    OVERDUE = "overdue"
    CREDIT = "credit"  # credit still available


@dataclass(frozen=True, slots=True)
class InvoiceState:
    """What an invoice's status chip says, and the figures behind it."""

    label: str
    tone: Tone
    days_overdue: int  # 0 unless overdue
    days_until_due: int | None  # None unless due today or later

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0


def days_overdue(*, due_date: date, amount_due: Decimal, today: date) -> int:
    """Whole days past the due date (never negative); 0 when nothing is due or the due date has not passed."""
    return max((today - due_date).days, 0) if amount_due > 0 else 0


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def invoice_state(
    *,
    kind: str,
    type: str,
    status: str,
    due_on: date | None,
    amount_due: Decimal,
    amount_paid: Decimal,
    today: date,
) -> InvoiceState:
    """The chip for an invoice or credit note as of `today` (the organisation's local date).

    Labels: "Draft", "Submitted", "Voided", "Deleted", "Paid", "Due in N days", "Due today", "Overdue N days",
    "Awaiting payment" (authorised, no due date), each of the unpaid ones prefixed "Part-paid · " once something
    has been paid; credit notes are "Credit available" while authorised and "Credit" once used (Xero marks a fully
    allocated credit note PAID). Raises ValueError when `kind` and `type` disagree.
    """
    if (kind == "credit_note") != (type in _CREDIT_TYPES) or type not in _CREDIT_TYPES | _INVOICE_TYPES:
        raise ValueError(f"An {kind!r} cannot have type {type!r}")
    if status in _PLAIN_LABELS:
        return InvoiceState(label=_PLAIN_LABELS[status], tone=Tone.MUTED, days_overdue=0, days_until_due=None)
    if kind == "credit_note":
        if status == "AUTHORISED":
            return InvoiceState(label="Credit available", tone=Tone.CREDIT, days_overdue=0, days_until_due=None)
        return InvoiceState(label="Credit", tone=Tone.SETTLED, days_overdue=0, days_until_due=None)
    if status == "PAID" or amount_due <= 0:
        return InvoiceState(label="Paid", tone=Tone.SETTLED, days_overdue=0, days_until_due=None)

    prefix = "Part-paid · " if amount_paid > 0 else ""
    if due_on is None:
        label = "Part-paid" if prefix else "Awaiting payment"
        return InvoiceState(label=label, tone=Tone.DUE, days_overdue=0, days_until_due=None)
    overdue = days_overdue(due_date=due_on, amount_due=amount_due, today=today)
    if overdue:
        label = f"Overdue {_days(overdue)}"
        return InvoiceState(label=prefix + label, tone=Tone.OVERDUE, days_overdue=overdue, days_until_due=None)
    until = (due_on - today).days
    label = "Due today" if until == 0 else f"Due in {_days(until)}"
    return InvoiceState(label=prefix + label, tone=Tone.DUE, days_overdue=0, days_until_due=until)


def org_today(*, now: datetime, timezone_name: str) -> date:
    """The calendar date at instant `now` in the organisation's IANA timezone ("" means UTC).

    Raises ValueError for a naive `now`, and zoneinfo.ZoneInfoNotFoundError (a KeyError) for an unknown zone name.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("org_today needs an aware datetime")
    zone = ZoneInfo(timezone_name) if timezone_name else UTC
    return now.astimezone(zone).date()


def outstanding_filter(*, prefix: str = "") -> Q:
    """Sales invoices with money still due (authorised ACCREC, amount due above zero), as a query filter.

    `prefix` reaches invoices through a relation, e.g. "invoices__" from contacts.
    """
    return Q(**{f"{prefix}type": "ACCREC", f"{prefix}status": "AUTHORISED", f"{prefix}amount_due__gt": 0})


def overdue_filter(*, today: date, prefix: str = "") -> Q:
    """Outstanding sales invoices whose due date is before `today`, as a query filter (see outstanding_filter)."""
    return outstanding_filter(prefix=prefix) & Q(**{f"{prefix}due_on__lt": today})
