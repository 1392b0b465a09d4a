"""Issue 15, who may see money: the rule (`accounts.selectors.user_sees_money`), the admin setting it, and what a
user without it sees on each page that shows Xero's amounts. The every-URL walk is in
tests/faults/test_web_security.py."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_sees_money
from activity.history import Show, contact_history
from dashboard.selectors import dashboard_summary
from notifications.models import Notification
from notifications.services import overdue_alerts_send
from opportunities import services as opportunity_services
from opportunities.models import Opportunity
from tests.factories import (
    InvoiceFactory,
    LedgerOrganisationFactory,
    OpportunityFactory,
    OrganisationFactory,
    PaymentFactory,
    UserFactory,
)
from tests.signing_in import sign_in

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def seller(team_a) -> User:
    """A salesperson in team A who may not see money."""
    return UserFactory(email="seller@example.com", teams=[team_a], can_see_money=False)


@pytest.fixture
def books():
    return LedgerOrganisationFactory(name="Northwind Books")


@pytest.fixture
def customer(team_a, books):
    """Team A's customer with a part-paid, overdue invoice of GBP 4,321.09 (paid 1,234.56) in Northwind Books."""
    contact = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    invoice = InvoiceFactory(
        organisation=books,
        contact=contact,
        number="INV-0042",
        sub_total=Decimal("4321.09"),
        amount_paid=Decimal("1234.56"),
        issued_on=date(2026, 3, 1),
        due_on=date(2026, 3, 31),
    )
    PaymentFactory(invoice=invoice, amount=Decimal("1234.56"), paid_on=date(2026, 3, 10))
    return contact


def test_admins_and_users_given_it_see_money_and_others_do_not():
    assert user_sees_money(user=UserFactory()) is True  # existing and new users keep seeing it until turned off
    assert user_sees_money(user=UserFactory(can_see_money=False)) is False
    assert user_sees_money(user=UserFactory(can_see_money=False, is_staff=True)) is True


def test_an_admin_turns_it_off_in_the_admin_site(client, mfa_admin, seller):
    seller.can_see_money = True
    seller.save()
    sign_in(client, mfa_admin)
    url = reverse("admin:accounts_user_change", args=[seller.pk])
    form = client.get(url)

    saved = client.post(
        url,
        {
            "email": seller.email,
            "first_name": "Sam",
            "last_name": "",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "09:00:00",
        },
    )

    assert 'name="can_see_money"' in form.text
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    seller.refresh_from_db()
    assert (seller.first_name, seller.can_see_money) == ("Sam", False)
    assert "can see money" in client.get(reverse("admin:accounts_user_changelist")).text


def test_the_xero_card_says_linked_with_the_organisations_name_and_no_amount(client, seller, customer):
    client.force_login(seller)

    panel = client.get(reverse("invoices:contact", args=[customer.pk]), headers=HTMX)

    assert panel.status_code == 200
    assert "Xero: linked" in panel.text
    assert "Northwind Books" in panel.text
    for hidden in ("4,321.09", "1,234.56", "3,086.53", "INV-0042", "How they pay"):
        assert hidden not in panel.text


def test_the_xero_card_shows_the_amounts_to_a_user_who_may_see_money(member_client, customer):
    panel = member_client.get(reverse("invoices:contact", args=[customer.pk]), headers=HTMX)

    assert "GBP 4,321.09" in panel.text
    assert "Xero: linked" not in panel.text


def test_the_history_lists_invoices_issued_without_amounts_and_nothing_else_of_the_money(seller, member, customer):
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    hidden = contact_history(user=seller, contact_id=customer.pk, show=Show.ALL, page=1, now=now)
    shown = contact_history(user=member, contact_id=customer.pk, show=Show.ALL, page=1, now=now)

    assert [(item.kind, item.label, item.amount) for item in hidden.items] == [("invoice_issued", "INV-0042", None)]
    assert {item.kind for item in shown.items} == {"invoice_issued", "payment_received", "invoice_overdue"}


def test_the_history_page_shows_the_invoice_issued_without_its_amount(client, seller, customer):
    client.force_login(seller)

    page = client.get(reverse("activity:contact_history", args=[customer.pk]), headers=HTMX)

    assert "Invoice INV-0042 issued" in page.text
    assert "4,321.09" not in page.text
    assert 'class="amount"' not in page.text


def test_the_dashboard_shows_the_pipeline_but_no_receivables(client, seller, customer):
    OpportunityFactory(contact=customer, value=Decimal("7777.00"))
    client.force_login(seller)

    page = client.get(reverse("dashboard"))
    summary = dashboard_summary(user=seller, now=timezone.now())

    assert "GBP 7,777.00" in page.text  # the opportunity's value is the CRM's
    assert "3,086.53" not in page.text
    assert 'id="aged-receivables"' not in page.text
    assert 'id="receivables-withheld"' in page.text
    assert (summary.receivables.by_currency, summary.overdue_accounts, summary.overdue_plans) == ((), [], [])


def test_the_dashboard_reads_no_receivables_for_such_a_user(
    client, seller, member, customer, django_assert_max_num_queries
):
    """Withheld figures are not read at all: fewer queries than for a user who sees them."""
    client.force_login(seller)
    with django_assert_max_num_queries(12) as withheld:
        client.get(reverse("dashboard"))
    client.force_login(member)
    with django_assert_max_num_queries(30) as shown:
        client.get(reverse("dashboard"))

    assert len(withheld.captured_queries) < len(shown.captured_queries)


@pytest.fixture
def won_sale(customer, mfa_admin):
    sale = OpportunityFactory(
        contact=customer,
        name="Shop fit-out",
        value=Decimal("9000.00"),
        outcome=Opportunity.Outcome.WON,
        closed_on=date(2026, 3, 1),
    )
    opportunity_services.instalment_plan_create_even(
        opportunity_id=sale.pk, user=mfa_admin, count=3, first_due_on=date(2026, 4, 1)
    )
    return sale


def test_instalments_and_quotes_are_withheld_panels_and_their_actions_are_refused(client, seller, won_sale):
    client.force_login(seller)

    panels = [
        client.get(reverse(name, args=[won_sale.pk]), headers=HTMX)
        for name in ("opportunities:instalments", "xero:opportunity_quotes")
    ]
    refused = [
        client.post(reverse("opportunities:instalments_create", args=[won_sale.pk])),
        client.get(reverse("opportunities:instalments_edit", args=[won_sale.pk])),
        client.post(
            reverse(
                "opportunities:instalment_match", args=[won_sale.pk, won_sale.instalment_plan.instalments.first().pk]
            )
        ),
        client.get(reverse("xero:quote_create", args=[won_sale.pk])),
    ]
    opportunity_page = client.get(reverse("opportunities:detail", args=[won_sale.pk]))

    assert [panel.status_code for panel in panels] == [200, 200]
    assert all('id="money-withheld"' in panel.text and "3,000.00" not in panel.text for panel in panels)
    assert [response.status_code for response in refused] == [403] * 4
    assert "9,000.00" in opportunity_page.text  # the deal's own value stays
    assert reverse("xero:quote_create", args=[won_sale.pk]) not in opportunity_page.text


def test_the_contact_page_lists_no_instalment_progress(client, seller, member, won_sale, customer):
    url = reverse("opportunities:contact_plans", args=[customer.pk])
    client.force_login(seller)
    hidden = client.get(url, headers=HTMX)
    client.force_login(member)
    shown = client.get(url, headers=HTMX)

    assert "Shop fit-out" not in hidden.text
    assert "Shop fit-out" in shown.text


def test_an_overdue_alert_to_an_owner_who_may_not_see_money_has_no_amount(seller, books, team_a):
    contact = OrganisationFactory(team=team_a, owner=seller, name="Quiet Ltd")
    today = timezone.localdate()
    InvoiceFactory(
        organisation=books,
        contact=contact,
        number="INV-LATE",
        sub_total=Decimal("4321.09"),
        issued_on=today - timedelta(days=10),
        due_on=today - timedelta(days=1),
    )

    overdue_alerts_send(now=timezone.now())

    message = Notification.objects.get(user=seller).message
    assert "INV-LATE" in message
    assert "4,321.09" not in message
