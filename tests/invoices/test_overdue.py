from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.overdue import Tone, days_overdue, invoice_state, org_today

DUE = date(2026, 3, 31)


def _state(**overrides):
    arguments = {
        "kind": "invoice",
        "type": "ACCREC",
        "status": "AUTHORISED",
        "due_on": DUE,
        "amount_due": Decimal("100.00"),
        "amount_paid": Decimal("0.00"),
        "today": date(2026, 3, 20),
    } | overrides
    return invoice_state(**arguments)


# days_overdue


def test_an_invoice_one_day_past_due_is_one_day_overdue():
    days = days_overdue(due_date=DUE, amount_due=Decimal("120"), today=date(2026, 4, 1))

    assert days == 1


def test_an_invoice_is_not_overdue_on_its_due_date():
    days = days_overdue(due_date=DUE, amount_due=Decimal("120"), today=DUE)

    assert days == 0


def test_a_settled_invoice_past_its_due_date_is_not_overdue():
    days = days_overdue(due_date=DUE, amount_due=Decimal("0.00"), today=date(2026, 6, 1))

    assert days == 0


@given(due_date=st.dates(), today=st.dates(), amount_due=st.decimals(allow_nan=False, allow_infinity=False, places=2))
def test_days_overdue_is_never_negative(due_date, today, amount_due):
    assert days_overdue(due_date=due_date, amount_due=amount_due, today=today) >= 0


@given(due_date=st.dates(), today=st.dates(), amount_due=st.decimals(max_value=0, allow_nan=False, places=2))
def test_days_overdue_is_zero_when_nothing_is_due(due_date, today, amount_due):
    assert days_overdue(due_date=due_date, amount_due=amount_due, today=today) == 0


@given(due_date=st.dates(max_value=date(9000, 1, 1)), days=st.integers(min_value=0, max_value=3000))
def test_days_overdue_counts_calendar_days_after_the_due_date(due_date, days):
    today = due_date + timedelta(days=days)

    assert days_overdue(due_date=due_date, amount_due=Decimal("0.01"), today=today) == days


# invoice_state


@pytest.mark.parametrize(
    ("status", "label"),
    [("DRAFT", "Draft"), ("SUBMITTED", "Submitted"), ("VOIDED", "Voided"), ("DELETED", "Deleted")],
)
def test_a_document_that_is_not_live_is_labelled_by_its_status(status, label):
    state = _state(status=status, today=date(2026, 5, 1))

    assert (state.label, state.tone, state.is_overdue) == (label, Tone.MUTED, False)


def test_a_paid_invoice_is_labelled_paid():
    state = _state(status="PAID", amount_due=Decimal("0.00"), amount_paid=Decimal("100.00"), today=date(2026, 5, 1))

    assert (state.label, state.tone) == ("Paid", Tone.SETTLED)


def test_an_invoice_due_later_says_in_how_many_days():
    state = _state(today=date(2026, 3, 28))

    assert (state.label, state.days_until_due, state.tone) == ("Due in 3 days", 3, Tone.DUE)


def test_an_invoice_due_tomorrow_says_one_day():
    state = _state(today=date(2026, 3, 30))

    assert state.label == "Due in 1 day"


def test_an_invoice_due_today_says_due_today():
    state = _state(today=DUE)

    assert (state.label, state.days_until_due, state.is_overdue) == ("Due today", 0, False)


def test_an_invoice_one_day_late_says_overdue_one_day():
    state = _state(today=date(2026, 4, 1))

    assert (state.label, state.days_overdue, state.tone) == ("Overdue 1 day", 1, Tone.OVERDUE)


def test_an_invoice_several_days_late_says_overdue_n_days():
    state = _state(today=date(2026, 4, 10))

    assert state.label == "Overdue 10 days"


def test_a_part_paid_overdue_invoice_says_both():
    state = _state(amount_due=Decimal("60.00"), amount_paid=Decimal("40.00"), today=date(2026, 4, 3))

    assert (state.label, state.days_overdue) == ("Part-paid · Overdue 3 days", 3)


def test_a_part_paid_invoice_not_yet_due_says_when_it_is_due():
    state = _state(amount_due=Decimal("60.00"), amount_paid=Decimal("40.00"), today=date(2026, 3, 29))

    assert state.label == "Part-paid · Due in 2 days"


def test_an_invoice_without_a_due_date_is_awaiting_payment():
    state = _state(due_on=None)

    assert (state.label, state.is_overdue) == ("Awaiting payment", False)


def test_an_authorised_credit_note_has_credit_available():
    state = _state(kind="credit_note", type="ACCRECCREDIT", amount_due=Decimal("0.00"), today=date(2026, 5, 1))

    assert (state.label, state.tone) == ("Credit available", Tone.CREDIT)


def test_a_used_credit_note_is_labelled_credit():
    state = _state(kind="credit_note", type="ACCRECCREDIT", status="PAID", amount_due=Decimal("0.00"))

    assert (state.label, state.tone) == ("Credit", Tone.SETTLED)


def test_a_kind_that_contradicts_the_type_is_refused():
    with pytest.raises(ValueError, match="cannot have type"):
        _state(kind="credit_note", type="ACCREC")


# org_today


def test_org_today_is_the_utc_date_when_the_timezone_is_unknown():
    today = org_today(now=datetime(2026, 3, 31, 23, 30, tzinfo=UTC), timezone_name="")

    assert today == date(2026, 3, 31)


def test_org_today_turns_over_at_local_midnight_not_utc_midnight():
    before = org_today(now=datetime(2026, 6, 30, 22, 59, 59, tzinfo=UTC), timezone_name="Europe/London")
    after = org_today(now=datetime(2026, 6, 30, 23, 0, tzinfo=UTC), timezone_name="Europe/London")

    assert (before, after) == (date(2026, 6, 30), date(2026, 7, 1))


def test_org_today_in_auckland_is_a_day_ahead_of_utc_in_the_afternoon():
    today = org_today(now=datetime(2026, 1, 10, 11, 0, tzinfo=UTC), timezone_name="Pacific/Auckland")

    assert today == date(2026, 1, 11)


def test_org_today_reads_any_aware_datetime_as_its_instant():
    now = datetime(2026, 3, 31, 20, 0, tzinfo=ZoneInfo("America/New_York"))  # 2026-04-01 00:00 UTC

    today = org_today(now=now, timezone_name="")

    assert today == date(2026, 4, 1)


def test_org_today_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        org_today(now=datetime(2026, 3, 31, 12, 0), timezone_name="Europe/London")


def test_org_today_refuses_an_unknown_timezone():
    with pytest.raises(ZoneInfoNotFoundError):
        org_today(now=datetime(2026, 3, 31, 12, 0, tzinfo=UTC), timezone_name="Middle/Nowhere")
