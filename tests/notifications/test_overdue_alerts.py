from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Notification, OverdueAlert
from tests.concurrency import at_once
from tests.factories import InvoiceFactory, UserFactory

# 12:00 UTC on 10 January is already 01:00 on 11 January in Auckland, still 10 January in London.
NOON_UTC_10_JAN = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def owner(team_a):
    return UserFactory(email="owner@example.com", teams=[team_a])


def _overdue_invoice(org, owner, **fields):
    fields.setdefault("due_on", date(2026, 1, 10))
    return InvoiceFactory(
        connection=org,
        contact__team=owner.teams.first(),
        contact__owner=owner,
        contact__name="Bluebell Bakery",
        number="INV-0042",
        sub_total=Decimal("1200.00"),
        **fields,
    )


@pytest.mark.django_db
def test_the_owner_is_told_in_the_app_and_by_email_on_the_first_overdue_day(nz_org, owner, mailoutbox):
    invoice = _overdue_invoice(nz_org, owner)

    sent = services.overdue_alerts_send(now=NOON_UTC_10_JAN)

    assert sent == 1
    notification = Notification.objects.get()
    assert (notification.user, notification.url) == (owner, reverse("contacts:detail", args=[invoice.contact_id]))
    assert notification.message == "INV-0042 of Bluebell Bakery is overdue: GBP 1,200.00 was due 10 Jan 2026."
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["owner@example.com"], "Overdue: INV-0042 of Bluebell Bakery")
    ]
    assert notification.message in mailoutbox[0].body


@pytest.mark.django_db
def test_an_organisation_still_on_the_due_date_sends_nothing_yet(uk_org, owner, mailoutbox):
    _overdue_invoice(uk_org, owner)

    sent = services.overdue_alerts_send(now=NOON_UTC_10_JAN)

    assert (sent, len(mailoutbox), Notification.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_the_same_organisation_alerts_once_its_own_midnight_has_passed(uk_org, owner, mailoutbox):
    _overdue_invoice(uk_org, owner)

    before = services.overdue_alerts_send(now=datetime(2026, 1, 10, 23, 59, tzinfo=UTC))
    after = services.overdue_alerts_send(now=datetime(2026, 1, 11, 0, 1, tzinfo=UTC))

    assert (before, after, len(mailoutbox)) == (0, 1, 1)


@pytest.mark.django_db
def test_running_again_sends_nothing_more(nz_org, owner, mailoutbox):
    _overdue_invoice(nz_org, owner)
    services.overdue_alerts_send(now=NOON_UTC_10_JAN)

    again = services.overdue_alerts_send(now=datetime(2026, 1, 11, 12, 0, tzinfo=UTC))

    assert (again, len(mailoutbox), Notification.objects.count(), OverdueAlert.objects.count()) == (0, 1, 1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(("days_late", "alerted"), [(3, True), (4, False), (40, False)])
def test_a_missed_day_is_caught_up_but_long_overdue_invoices_never_alert(uk_org, owner, mailoutbox, days_late, alerted):
    _overdue_invoice(uk_org, owner)

    services.overdue_alerts_send(now=NOON_UTC_10_JAN + timedelta(days=days_late))

    assert Notification.objects.exists() is alerted


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"status": "PAID", "amount_paid": Decimal("1200.00")},
        {"status": "DRAFT"},
        {"type": "ACCPAY"},
        {"amount_credited": Decimal("1200.00")},
    ],
)
def test_only_outstanding_sales_invoices_alert(nz_org, owner, mailoutbox, fields):
    _overdue_invoice(nz_org, owner, **fields)

    assert services.overdue_alerts_send(now=NOON_UTC_10_JAN) == 0


@pytest.mark.django_db
def test_a_contact_without_an_owner_alerts_nobody(nz_org, team_a, mailoutbox):
    InvoiceFactory(connection=nz_org, contact__team=team_a, contact__owner=None, due_on=date(2026, 1, 10))

    assert services.overdue_alerts_send(now=NOON_UTC_10_JAN) == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_alert_once(nz_org, owner, mailoutbox):
    _overdue_invoice(nz_org, owner)

    def run() -> int:
        return services.overdue_alerts_send(now=NOON_UTC_10_JAN)

    results = at_once(run, run)

    assert sorted(results) == [0, 1]
    assert (len(mailoutbox), Notification.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_notifications_are_shown_to_their_owner_only(nz_org, owner, client, team_b):
    _overdue_invoice(nz_org, owner)
    services.overdue_alerts_send(now=NOON_UTC_10_JAN)
    notification = Notification.objects.get()
    client.force_login(UserFactory(email="other@example.com", teams=[team_b]))

    page = client.get(reverse("notifications:list")).content.decode()
    read = client.post(reverse("notifications:read", args=[notification.pk]))

    assert "INV-0042" not in page
    assert read.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.django_db
def test_the_owner_sees_the_count_and_reading_opens_the_contact(nz_org, owner, client):
    invoice = _overdue_invoice(nz_org, owner)
    services.overdue_alerts_send(now=NOON_UTC_10_JAN)
    client.force_login(owner)

    page = client.get(reverse("notifications:list")).content.decode()
    read = client.post(reverse("notifications:read", args=[Notification.objects.get().pk]))
    after = client.get(reverse("notifications:list")).content.decode()

    assert 'aria-label="1 unread"' in page
    assert "INV-0042 of Bluebell Bakery is overdue" in page
    assert read.url == reverse("contacts:detail", args=[invoice.contact_id])
    assert "unread" not in after.split("<main")[0]


@pytest.mark.django_db
def test_the_hourly_task_alerts_with_the_current_time(uk_org, owner, mailoutbox, settings):
    _overdue_invoice(uk_org, owner, due_on=timezone.now().date() - timedelta(days=2))

    sent = tasks.overdue_alerts_send.apply(kwargs={}).get()

    assert (sent, len(mailoutbox)) == (1, 1)
    assert settings.CELERY_BEAT_SCHEDULE["overdue-alerts-send"]["task"] == "notifications.tasks.overdue_alerts_send"
