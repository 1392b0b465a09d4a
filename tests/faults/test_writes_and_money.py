"""Issue 9, cases 30-32: a double-submitted quote, CRM edits Xero refuses, and money."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from contacts.models import Contact
from integrations.xero.models import CreateRequest, XeroContact
from invoices import selectors as invoice_selectors
from invoices.models import Quote
from invoices.money import CurrencyMismatch, Money, money_format, totals_add
from invoices.overdue import days_overdue, org_today
from tests.concurrency import at_once
from tests.xero.push_data import crm, edit, in_xero, rename_in_xero
from tests.xero.quote_data import form_data, quote_puts, sandbox_quotes, submit
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice

# Case 31: a CRM edit Xero refuses


@pytest.mark.django_db
def test_a_refused_push_shows_xeros_reason_on_the_contact_and_keeps_the_crm_data(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    """Case 31: Xero refuses an edit (the name belongs to another contact): the contact's Xero panel shows the
    reason and a Try again button, the CRM keeps what was typed and Xero keeps its copy."""
    load(xero, contacts=[xero_contact(name="Acme Ltd")])
    contact = crm(bakery)

    tasks_run_inline(lambda: edit(admin_client, contact, name="Acme Ltd"))

    panel = admin_client.get(reverse("xero:contact_push", args=[contact.pk]))
    # Xero's refusal (its name check) is shown in Capsync's words and reaches the conflict inbox (issue 17).
    assert "Xero refused the last change: Xero already has a contact named Acme Ltd" in panel.text
    assert reverse("xero:contact_push_retry", args=[contact.pk]) in panel.text
    assert Contact.objects.get(pk=contact.pk).name == "Acme Ltd"
    assert in_xero(xero, xero_connection, bakery)["Name"] == "Bluebell Bakery"


@pytest.mark.django_db
def test_try_again_after_the_fix_in_xero_sends_the_change(
    admin_client, xero, xero_connection, bakery, tasks_run_inline
):
    """Case 31: once the clash is fixed in Xero, Try again sends the CRM's version and the panel says so."""
    acme = xero_contact(name="Acme Ltd")
    load(xero, contacts=[acme])
    contact = crm(bakery)
    tasks_run_inline(lambda: edit(admin_client, contact, name="Acme Ltd"))
    rename_in_xero(xero, xero_connection, acme, "Acme Holdings Ltd")

    response = tasks_run_inline(lambda: admin_client.post(reverse("xero:contact_push_retry", args=[contact.pk])))

    assert response.status_code == 302
    assert in_xero(xero, xero_connection, bakery)["Name"] == "Acme Ltd"
    link = XeroContact.objects.get(xero_id=bakery["ContactID"])
    assert (link.push_state, link.push_error) == ("in_sync", "")
    assert "In sync with Xero." in admin_client.get(reverse("xero:contact_push", args=[contact.pk])).text


# Case 32: money


def test_adding_two_currencies_is_refused():
    """Case 32: two currencies are never summed together."""
    with pytest.raises(CurrencyMismatch, match="GBP with USD"):
        Money(Decimal(1), "GBP") + Money(Decimal(1), "USD")


@given(amounts=st.lists(st.decimals(min_value=-(10**9), max_value=10**9, places=2), max_size=20))
def test_totals_are_exact_sums(amounts):
    """Case 32: totals are exact Decimal sums, whatever the amounts."""
    totals = totals_add({}, *(Money(amount, "GBP") for amount in amounts))

    assert totals.get("GBP", Decimal(0)) == sum(amounts, Decimal(0))


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234.5"), "GBP", "GBP 1,234.50"),
        (Decimal("1234567.891"), "USD", "USD 1,234,567.89"),
        (Decimal("0.005"), "EUR", "EUR 0.01"),
        (Decimal("-12.5"), "NZD", "NZD -12.50"),
        (Decimal("-0.001"), "GBP", "GBP 0.00"),
        (Decimal("1234.5"), "JPY", "JPY 1,235"),
        (Decimal("1.25"), "KWD", "KWD 1.250"),
        (Decimal("7"), "gbp", "GBP 7.00"),
    ],
)
def test_money_format_rounds_half_up_to_the_currencys_places(amount, currency, shown):
    """Case 32: amounts are rounded only for display, half up, to each currency's own places."""
    assert money_format(amount, currency) == shown


def test_org_today_in_london_after_the_clocks_go_forward():
    """Case 32: London's day turns at local midnight after the clocks go forward (23:00 UTC)."""
    # 2026-03-29 01:00 GMT the clocks jump to 02:00 BST; midnight that night is 23:00 UTC.
    before = org_today(now=datetime(2026, 3, 29, 22, 59, tzinfo=UTC), timezone_name="Europe/London")
    after = org_today(now=datetime(2026, 3, 29, 23, 0, tzinfo=UTC), timezone_name="Europe/London")

    assert (before, after) == (date(2026, 3, 29), date(2026, 3, 30))


def test_org_today_in_auckland_after_the_clocks_go_back():
    """Case 32: Auckland's day turns at local midnight after the clocks go back (12:00 UTC)."""
    # 2026-04-05 03:00 NZDT the clocks go back to 02:00 NZST (UTC+12); the next midnight is 12:00 UTC.
    before = org_today(now=datetime(2026, 4, 5, 11, 59, tzinfo=UTC), timezone_name="Pacific/Auckland")
    after = org_today(now=datetime(2026, 4, 5, 12, 0, tzinfo=UTC), timezone_name="Pacific/Auckland")

    assert (before, after) == (date(2026, 4, 5), date(2026, 4, 6))


def test_an_invoice_becomes_overdue_at_the_organisations_midnight():
    """Case 32: an invoice is overdue from midnight after its due date in the organisation's timezone."""
    # Due 2026-03-31 in Auckland: overdue from 2026-04-01 00:00 NZDT, which is 2026-03-31 11:00 UTC.
    just_before = org_today(now=datetime(2026, 3, 31, 10, 59, tzinfo=UTC), timezone_name="Pacific/Auckland")
    just_after = org_today(now=datetime(2026, 3, 31, 11, 0, tzinfo=UTC), timezone_name="Pacific/Auckland")

    days = [
        days_overdue(due_date=date(2026, 3, 31), amount_due=Decimal(1), today=today)
        for today in (just_before, just_after)
    ]

    assert days == [0, 1]


@pytest.mark.django_db
def test_money_from_xero_is_exact_per_currency_and_overdue_on_the_organisations_day(
    admin_client, xero, xero_connection, mfa_admin
):
    """Case 32, end to end from the sandbox: amounts stay exact Decimals (0.10 + 0.20 is 0.30), each currency is
    totalled apart and shown with its own rounding, and an invoice due on the day London's clocks go forward is
    overdue from local midnight (23:00 UTC), not from UTC's."""
    customer = xero_contact(name="Bluebell Bakery")
    load(
        xero,
        contacts=[customer],
        invoices=[
            xero_invoice(contact=customer, total="0.10", due=date(2026, 3, 29)),
            xero_invoice(contact=customer, total="0.20", due=date(2026, 3, 29)),
            xero_invoice(contact=customer, total="1234.50", currency="JPY", due=date(2026, 3, 29)),
        ],
    )
    sync(xero_connection)
    contact = Contact.objects.get(name="Bluebell Bakery")

    def summary_at(now: datetime):
        [organisation] = invoice_selectors.invoice_summary(user=mfa_admin, contact_id=contact.pk, now=now).organisations
        return organisation

    last_minute, midnight = (
        summary_at(datetime(2026, 3, 29, 22, 59, tzinfo=UTC)),
        summary_at(datetime(2026, 3, 29, 23, 0, tzinfo=UTC)),
    )
    panel = admin_client.get(reverse("invoices:contact", args=[contact.pk]))

    assert last_minute.outstanding == {"GBP": Decimal("0.30"), "JPY": Decimal("1234.50")}
    assert all(isinstance(amount, Decimal) for amount in last_minute.outstanding.values())
    assert (last_minute.today, last_minute.overdue) == (date(2026, 3, 29), {})
    assert (midnight.today, midnight.oldest_days_overdue) == (date(2026, 3, 30), 1)
    assert midnight.overdue == {"GBP": Decimal("0.30"), "JPY": Decimal("1234.50")}
    assert "GBP 0.30" in panel.text
    assert "JPY 1,235" in panel.text


# Case 30: a double-submitted quote


def test_a_double_submit_makes_one_quote(seller_client, opportunity, xero_connection, xero):
    """Case 30: a double-submitted quote makes one quote."""
    data = form_data(xero_connection)

    first = submit(seller_client, opportunity, data)
    second = submit(seller_client, opportunity, data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert len(sandbox_quotes(xero_connection)) == 1
    assert Quote.objects.count() == 1
    assert quote_puts(xero) == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_arriving_at_once_makes_one_quote(seller, opportunity, xero_connection, xero):
    """Case 30, concurrently: two POSTs of one form at the same moment make one quote."""
    xero.sandbox.config(latency_ms=300)  # the first is still waiting for Xero when the second arrives
    data = form_data(xero_connection)
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(seller)

    statuses = at_once(
        *(lambda browser=browser: submit(browser, opportunity, data).status_code for browser in browsers)
    )

    assert statuses == [302, 302]
    assert len(sandbox_quotes(xero_connection)) == 1
    assert Quote.objects.count() == 1
    assert CreateRequest.objects.get().status == CreateRequest.Status.CREATED
    assert quote_puts(xero) == 1  # the second waited for the first's answer instead of asking Xero again
