from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from integrations.xero import auth
from invoices.models import Invoice
from opportunities import selectors, services
from opportunities.models import Instalment
from opportunities.selectors import Progress, instalment_status, plan_progress
from tests.factories import EmailAddressFactory, InvoiceFactory, OpportunityFactory, UserFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import invoice_element, line, payment_element, xero_contact

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def won_sale(team_a, member):
    return OpportunityFactory(
        name="Shop fit-out",
        contact__team=team_a,
        contact__owner=member,
        owner=member,
        outcome="won",
        closed_on=date(2026, 1, 5),
        value=Decimal("1000.00"),
    )


def _plan(sale, member, *, count=3, first_due_on=date(2026, 1, 31)):
    return services.instalment_plan_create_even(
        opportunity_id=sale.pk, user=member, count=count, first_due_on=first_due_on
    )


def _invoice(sale, org, **fields):
    return InvoiceFactory(connection=org, contact=sale.contact, **fields)


# --- generating and editing ---------------------------------------------------------------------------------


def test_an_even_plan_adds_up_to_the_value_exactly_with_the_last_instalment_taking_the_pennies(won_sale, member):
    plan = _plan(won_sale, member)

    instalments = list(plan.instalments.order_by("position"))
    assert [i.amount for i in instalments] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    assert sum(i.amount for i in instalments) == won_sale.value
    assert {i.currency_code for i in instalments} == {"GBP"}


def test_monthly_due_dates_keep_the_day_or_take_the_end_of_a_shorter_month(won_sale, member):
    plan = _plan(won_sale, member, count=4, first_due_on=date(2026, 1, 31))

    assert [i.due_on for i in plan.instalments.order_by("position")] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]


def test_only_a_won_opportunity_carries_a_plan(team_a, member):
    open_deal = OpportunityFactory(contact__team=team_a, outcome="open")

    with pytest.raises(services.OpportunityNotWon, match="only a won sale"):
        _plan(open_deal, member)


def test_a_second_plan_is_refused(won_sale, member):
    _plan(won_sale, member)

    with pytest.raises(services.InstalmentPlanExists):
        _plan(won_sale, member, count=2)


def test_a_hand_edit_that_does_not_add_up_is_refused_and_changes_nothing(won_sale, member):
    plan = _plan(won_sale, member, count=2)
    rows = [
        services.InstalmentInput(amount=Decimal("400.00"), due_on=date(2026, 2, 1), instalment_id=i.pk)
        for i in plan.instalments.all()
    ]

    with pytest.raises(services.InstalmentPlanInvalid) as refused:
        services.instalment_plan_update(opportunity_id=won_sale.pk, user=member, instalments=rows)

    assert str(refused.value) == (
        "The instalments add up to GBP 800.00, but Shop fit-out is worth GBP 1,000.00 (GBP 200.00 short)."
    )
    assert sorted(plan.instalments.values_list("amount", flat=True)) == [Decimal("500.00"), Decimal("500.00")]


def test_a_hand_edit_renumbers_by_due_date_and_keeps_matched_invoices(won_sale, member, uk_org):
    plan = _plan(won_sale, member, count=2, first_due_on=date(2026, 1, 10))
    first, second = plan.instalments.order_by("position")
    invoice = _invoice(won_sale, uk_org, sub_total=Decimal("500.00"))
    services.instalment_match(opportunity_id=won_sale.pk, instalment_id=first.pk, invoice_id=invoice.pk, user=member)

    services.instalment_plan_update(
        opportunity_id=won_sale.pk,
        user=member,
        instalments=[
            services.InstalmentInput(amount=Decimal("300.00"), due_on=date(2026, 3, 1)),
            services.InstalmentInput(amount=Decimal("500.00"), due_on=date(2026, 1, 10), instalment_id=first.pk),
            services.InstalmentInput(amount=Decimal("200.00"), due_on=date(2026, 2, 10), instalment_id=second.pk),
        ],
    )

    rows = list(plan.instalments.order_by("position").values_list("position", "amount", "invoice_id", "matched_by"))
    assert rows == [
        (1, Decimal("500.00"), invoice.pk, "hand"),
        (2, Decimal("200.00"), None, ""),
        (3, Decimal("300.00"), None, ""),
    ]


# --- matching -----------------------------------------------------------------------------------------------


def test_references_name_an_instalment_or_the_next_unmatched_one(won_sale, member, uk_org):
    plan = _plan(won_sale, member)
    second = _invoice(won_sale, uk_org, reference=f"OPP-{won_sale.pk}-2", issued_on=date(2026, 1, 1))
    bare = _invoice(won_sale, uk_org, reference=f"PO 7781 / opp-{won_sale.pk}", issued_on=date(2026, 1, 2))

    matched = services.instalments_match_by_reference(organisation_id=uk_org.organisation_id)

    assert matched == 2
    by_position = {i.position: (i.invoice_id, i.matched_by) for i in plan.instalments.all()}
    assert by_position == {1: (bare.pk, "auto"), 2: (second.pk, "auto"), 3: (None, "")}


@pytest.mark.parametrize("reference", ["OPP-{id}0-1", "XOPP-{id}-1", "OPP-{id}-9", "OPP-{id}-1a"])
def test_a_reference_naming_something_else_matches_nothing(won_sale, member, uk_org, reference):
    _plan(won_sale, member)
    _invoice(won_sale, uk_org, reference=reference.format(id=won_sale.pk))

    assert services.instalments_match_by_reference(organisation_id=uk_org.organisation_id) == 0


def test_another_contacts_or_currencys_invoice_naming_the_sale_is_not_matched(won_sale, member, uk_org):
    _plan(won_sale, member)
    InvoiceFactory(connection=uk_org, reference=f"OPP-{won_sale.pk}-1")
    _invoice(won_sale, uk_org, reference=f"OPP-{won_sale.pk}-2", currency_code="USD")

    assert services.instalments_match_by_reference(organisation_id=uk_org.organisation_id) == 0


def test_creating_a_plan_matches_invoices_already_stored(won_sale, member, uk_org):
    invoice = _invoice(won_sale, uk_org, reference=f"OPP-{won_sale.pk}-3")

    plan = _plan(won_sale, member)

    assert plan.instalments.get(position=3).invoice == invoice


def test_matching_by_hand_offers_only_the_contacts_unmatched_invoices_in_the_plans_currency(won_sale, member, uk_org):
    plan = _plan(won_sale, member)
    first = plan.instalments.get(position=1)
    mine = _invoice(won_sale, uk_org, number="INV-MINE")
    _invoice(won_sale, uk_org, currency_code="USD")
    _invoice(won_sale, uk_org, status=Invoice.Status.VOIDED)
    InvoiceFactory(connection=uk_org)
    detail = selectors.instalment_plan_detail(user=member, opportunity_id=won_sale.pk, now=NOW)

    assert [invoice.number for invoice in detail.rows[0].choices] == ["INV-MINE"]

    services.instalment_match(opportunity_id=won_sale.pk, instalment_id=first.pk, invoice_id=mine.pk, user=member)

    first.refresh_from_db()
    assert (first.invoice, first.matched_by) == (mine, "hand")
    with pytest.raises(services.InvoiceNotMatchable, match="unmatched sales invoices in GBP"):
        services.instalment_match(
            opportunity_id=won_sale.pk,
            instalment_id=plan.instalments.get(position=2).pk,
            invoice_id=mine.pk,
            user=member,
        )


def _in_xero(xero, connection, path: str, body: dict) -> dict:
    """PUT to the sandbox's accounting API as Capsync's connection, the way a bookkeeper's edits arrive in Xero."""
    connection.grant.refresh_from_db()
    response = xero.sandbox.api(
        "PUT",
        path,
        json=body,
        tenant_id=xero.uk_tenant_id,
        access_token=auth.secret_decrypt(connection.grant.access_token_encrypted),
    )
    assert response.status_code == 200, response.text
    return response.json()


def _sales_invoice(xero, connection, customer: dict, *, reference: str, due: str) -> str:
    element = invoice_element(
        contact_id=customer["ContactID"],
        issued="2026-09-01",
        due=due,
        line_items=[line(description="Shop fit-out", unit_amount=1000)],
        Status="AUTHORISED",
        Reference=reference,
        LineAmountTypes="NoTax",
    )
    return _in_xero(xero, connection, "Invoices", {"Invoices": [element]})["Invoices"][0]["InvoiceID"]


def _payment(xero, connection, invoice_id: str, amount: int) -> None:
    element = payment_element(invoice_id=invoice_id, amount=amount, paid_on="2026-09-15")
    _in_xero(xero, connection, "Payments", {"Payments": [element]})


def test_the_sync_matches_by_reference_and_a_credit_note_reduces_what_is_due(xero_connection, xero, team_a, member):
    contact = EmailAddressFactory(
        contact__team=team_a, contact__name="Bluebell Bakery", address="hello@bluebell.example"
    ).contact
    sale = OpportunityFactory(contact=contact, outcome="won", closed_on=date(2026, 1, 5), value=Decimal("3000.00"))
    _plan(sale, member, first_due_on=date(2026, 9, 1))
    customer = xero_contact(name="Bluebell Bakery", email="hello@bluebell.example")
    load(xero, contacts=[customer])
    paid = _sales_invoice(xero, xero_connection, customer, reference=f"OPP-{sale.pk}-1", due="2026-09-01")
    _payment(xero, xero_connection, paid, 1000)
    credited = _sales_invoice(xero, xero_connection, customer, reference=f"Fit-out OPP-{sale.pk}-2", due="2026-10-01")
    _payment(xero, xero_connection, credited, 300)
    note = _in_xero(
        xero,
        xero_connection,
        "CreditNotes",
        {
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": customer["ContactID"]},
                    "Date": "2026-09-20",
                    "Status": "AUTHORISED",
                    "LineAmountTypes": "NoTax",
                    "LineItems": [
                        {"Description": "Damaged tiles", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}
                    ],
                }
            ]
        },
    )["CreditNotes"][0]
    _in_xero(
        xero,
        xero_connection,
        f"CreditNotes/{note['CreditNoteID']}/Allocations",
        {"Allocations": [{"Invoice": {"InvoiceID": credited}, "Amount": 100, "Date": "2026-09-20"}]},
    )

    finished = sync(xero_connection)

    assert finished.counts["instalments_matched"] == 2
    detail = selectors.instalment_plan_detail(
        user=member, opportunity_id=sale.pk, now=datetime(2026, 10, 13, 12, tzinfo=UTC)
    )
    assert [row.status.progress for row in detail.rows] == [Progress.PAID, Progress.OVERDUE, Progress.NOT_INVOICED]
    second = detail.rows[1].instalment.invoice
    assert (second.amount_paid, second.amount_credited, second.amount_due) == (
        Decimal("300.00"),
        Decimal("100.00"),
        Decimal("600.00"),
    )
    assert detail.rows[1].status.label == "Part-paid · Overdue 12 days"
    assert detail.progress == "1 of 3 paid, 1 overdue by 12 days, next due 1 Nov"


# --- statuses and progress ------------------------------------------------------------------------------------

TODAY = date(2026, 1, 20)


@pytest.mark.parametrize(
    ("invoice", "progress", "label"),
    [
        ({}, Progress.NOT_INVOICED, "Not invoiced"),
        (
            {"invoice_status": "DRAFT", "amount_due": Decimal(100)},
            Progress.NOT_INVOICED,
            "Not invoiced · invoice draft",
        ),
        (
            {"invoice_status": "AUTHORISED", "invoice_due_on": date(2026, 1, 25), "amount_due": Decimal(100)},
            Progress.INVOICED,
            "Due in 5 days",
        ),
        (
            {
                "invoice_status": "AUTHORISED",
                "invoice_due_on": date(2026, 1, 25),
                "amount_due": Decimal(60),
                "amount_paid": Decimal(40),
            },
            Progress.PART_PAID,
            "Part-paid · Due in 5 days",
        ),
        (
            {
                "invoice_status": "AUTHORISED",
                "invoice_due_on": date(2026, 1, 25),
                "amount_due": Decimal(70),
                "amount_credited": Decimal(30),
            },
            Progress.PART_PAID,
            "Part-paid · Due in 5 days",
        ),
        (
            {"invoice_status": "PAID", "invoice_due_on": date(2026, 1, 5), "amount_paid": Decimal(100)},
            Progress.PAID,
            "Paid",
        ),
        (
            {"invoice_status": "AUTHORISED", "invoice_due_on": date(2026, 1, 8), "amount_credited": Decimal(100)},
            Progress.PAID,
            "Paid",
        ),
        (
            {"invoice_status": "AUTHORISED", "invoice_due_on": date(2026, 1, 8), "amount_due": Decimal(100)},
            Progress.OVERDUE,
            "Overdue 12 days",
        ),
        (
            {"invoice_status": "AUTHORISED", "invoice_due_on": date(2026, 1, 20), "amount_due": Decimal(100)},
            Progress.INVOICED,
            "Due today",
        ),
    ],
)
def test_an_instalments_status_follows_its_invoice(invoice, progress, label):
    status = instalment_status(due_on=date(2026, 1, 15), today=TODAY, **invoice)

    assert (status.progress, status.label) == (progress, label)


def test_an_instalment_goes_overdue_the_day_after_its_invoice_is_due():
    figures = {
        "due_on": date(2026, 1, 31),
        "invoice_status": "AUTHORISED",
        "invoice_due_on": date(2026, 1, 31),
        "amount_due": Decimal("250.00"),
    }

    on_the_day = instalment_status(today=date(2026, 1, 31), **figures)
    next_day = instalment_status(today=date(2026, 2, 1), **figures)

    assert (on_the_day.progress, next_day.progress, next_day.days_overdue) == (Progress.INVOICED, Progress.OVERDUE, 1)


def test_the_progress_line_counts_paid_and_overdue_and_names_the_next_due_date():
    paid = instalment_status(
        due_on=date(2025, 10, 1),
        today=TODAY,
        invoice_status="PAID",
        invoice_due_on=date(2025, 10, 1),
        amount_paid=Decimal(100),
    )
    overdue = instalment_status(
        due_on=date(2026, 1, 8),
        today=TODAY,
        invoice_status="AUTHORISED",
        invoice_due_on=date(2026, 1, 8),
        amount_due=Decimal(100),
    )
    waiting = [instalment_status(due_on=day, today=TODAY) for day in (date(2026, 3, 1), date(2026, 2, 1))]

    line = plan_progress([paid, paid, paid, overdue, *waiting], today=TODAY)

    assert line == "3 of 6 paid, 1 overdue by 12 days, next due 1 Feb"


def test_the_progress_line_of_several_overdue_names_the_oldest_and_a_next_year():
    overdue = [
        instalment_status(
            due_on=day, today=TODAY, invoice_status="AUTHORISED", invoice_due_on=day, amount_due=Decimal(1)
        )
        for day in (date(2026, 1, 19), date(2025, 12, 21))
    ]

    line = plan_progress([*overdue, instalment_status(due_on=date(2027, 1, 5), today=TODAY)], today=TODAY)

    assert line == "0 of 3 paid, 2 overdue, the oldest by 30 days, next due 5 Jan 2027"


@pytest.mark.parametrize(("org", "label"), [("nz_org", "Overdue 1 day"), ("uk_org", "Due today")])
def test_an_instalment_is_judged_by_its_organisations_local_date(request, won_sale, member, org, label):
    plan = _plan(won_sale, member)
    invoice = _invoice(won_sale, request.getfixturevalue(org), due_on=date(2026, 1, 10))
    services.instalment_match(
        opportunity_id=won_sale.pk,
        instalment_id=plan.instalments.get(position=1).pk,
        invoice_id=invoice.pk,
        user=member,
    )

    detail = selectors.instalment_plan_detail(
        user=member, opportunity_id=won_sale.pk, now=datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    )

    assert detail.rows[0].status.label == label


def test_the_plan_is_read_in_a_fixed_number_of_queries(won_sale, member, uk_org, django_assert_max_num_queries):
    plan = _plan(won_sale, member, count=12)
    for instalment in plan.instalments.all():
        invoice = _invoice(won_sale, uk_org)
        services.instalment_match(
            opportunity_id=won_sale.pk, instalment_id=instalment.pk, invoice_id=invoice.pk, user=member
        )

    with django_assert_max_num_queries(7):
        detail = selectors.instalment_plan_detail(user=member, opportunity_id=won_sale.pk, now=NOW)

    assert len(detail.rows) == 12


# --- pages ----------------------------------------------------------------------------------------------------


def test_a_won_sale_gets_a_plan_from_its_page(won_sale, member_client):
    response = member_client.post(
        reverse("opportunities:instalments_create", args=[won_sale.pk]),
        {"count": "4", "first_due_on": "2030-02-01"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert b"0 of 4 paid, next due 1 Feb 2030" in response.content
    assert "instalments-changed" in response.headers["HX-Trigger"]


def test_a_bad_plan_request_says_why(won_sale, member_client):
    response = member_client.post(
        reverse("opportunities:instalments_create", args=[won_sale.pk]),
        {"count": "0", "first_due_on": "2030-02-01"},
        headers={"HX-Request": "true"},
    )

    assert b"greater than or equal to 1" in response.content
    assert not Instalment.objects.exists()


def test_the_edit_page_saves_rows_that_add_up_and_explains_those_that_do_not(won_sale, member, member_client):
    plan = _plan(won_sale, member, count=2)
    first, second = plan.instalments.order_by("position")
    url = reverse("opportunities:instalments_edit", args=[won_sale.pk])
    form = {
        "instalments-TOTAL_FORMS": "3",
        "instalments-INITIAL_FORMS": "2",
        "instalments-0-instalment_id": first.pk,
        "instalments-0-amount": "700.00",
        "instalments-0-due_on": "2026-02-01",
        "instalments-1-instalment_id": second.pk,
        "instalments-1-amount": "200.00",
        "instalments-1-due_on": "2026-03-01",
        "instalments-2-amount": "",
        "instalments-2-due_on": "",
    }

    shown = member_client.get(url).content.decode()
    short = member_client.post(url, form)
    saved = member_client.post(url, {**form, "instalments-2-amount": "100.00", "instalments-2-due_on": "2026-04-01"})

    assert 'value="2026-01-31"' in shown  # the date inputs show the stored due dates
    assert "GBP 100.00 short" in short.content.decode()
    assert saved.status_code == 302
    assert list(plan.instalments.values_list("amount", flat=True)) == [
        Decimal("700.00"),
        Decimal("200.00"),
        Decimal("100.00"),
    ]


def test_a_pick_from_the_list_matches_by_hand(won_sale, member, member_client, uk_org):
    plan = _plan(won_sale, member)
    invoice = _invoice(won_sale, uk_org, number="INV-0042")
    instalment = plan.instalments.get(position=1)

    response = member_client.post(
        reverse("opportunities:instalment_match", args=[won_sale.pk, instalment.pk]),
        {"invoice": invoice.pk},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "INV-0042" in response.content.decode()
    instalment.refresh_from_db()
    assert instalment.invoice == invoice


def test_the_contact_page_lists_each_plans_progress(won_sale, member, member_client):
    _plan(won_sale, member, first_due_on=date(2030, 2, 1))

    response = member_client.get(
        reverse("opportunities:contact_plans", args=[won_sale.contact_id]), headers={"HX-Request": "true"}
    )

    assert "Shop fit-out</a>: <span" in response.content.decode()
    assert "0 of 3 paid, next due 1 Feb 2030" in response.content.decode()


def test_the_dashboard_lists_plans_with_overdue_instalments_of_the_users_teams(
    won_sale, member, member_client, uk_org, team_b
):
    plan = _plan(won_sale, member, first_due_on=date(2025, 1, 1))
    invoice = _invoice(won_sale, uk_org, due_on=date(2025, 1, 1))
    services.instalment_match(
        opportunity_id=won_sale.pk,
        instalment_id=plan.instalments.get(position=1).pk,
        invoice_id=invoice.pk,
        user=member,
    )
    other = OpportunityFactory(
        name="Other team's sale", contact__team=team_b, outcome="won", closed_on=date(2025, 1, 1)
    )
    admin = UserFactory(is_staff=True, is_superuser=True)
    other_plan = _plan(other, admin, first_due_on=date(2025, 1, 1))
    other_invoice = InvoiceFactory(connection=uk_org, contact=other.contact, due_on=date(2025, 1, 1))
    services.instalment_match(
        opportunity_id=other.pk,
        instalment_id=other_plan.instalments.get(position=1).pk,
        invoice_id=other_invoice.pk,
        user=admin,
    )

    page = member_client.get(reverse("dashboard")).content.decode()

    assert "Plans with overdue instalments" in page
    assert "Shop fit-out" in page
    assert "Other team&#x27;s sale" not in page


@pytest.fixture
def other_team_client(client, team_b):
    client.force_login(UserFactory(email="other@example.com", teams=[team_b]))
    return client


def test_another_teams_user_gets_404_on_every_instalment_url(won_sale, member, other_team_client):
    instalment = _plan(won_sale, member).instalments.first()
    urls = [
        ("get", reverse("opportunities:instalments", args=[won_sale.pk])),
        ("post", reverse("opportunities:instalments_create", args=[won_sale.pk])),
        ("get", reverse("opportunities:instalments_edit", args=[won_sale.pk])),
        ("post", reverse("opportunities:instalments_edit", args=[won_sale.pk])),
        ("post", reverse("opportunities:instalment_match", args=[won_sale.pk, instalment.pk])),
        ("get", reverse("opportunities:contact_plans", args=[won_sale.contact_id])),
    ]

    statuses = [getattr(other_team_client, method)(url).status_code for method, url in urls]

    assert statuses == [404] * len(urls)


def test_instalment_posts_need_the_csrf_token(won_sale, member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    response = browser.post(
        reverse("opportunities:instalments_create", args=[won_sale.pk]), {"count": "2", "first_due_on": "2026-02-01"}
    )

    assert response.status_code == 403
    assert not Instalment.objects.exists()


def test_an_instalment_cannot_be_matched_through_another_opportunity(won_sale, member, uk_org):
    plan = _plan(won_sale, member)
    invoice = _invoice(won_sale, uk_org)
    other_sale = OpportunityFactory(
        name="Another sale", contact=won_sale.contact, team=won_sale.team, outcome="won", closed_on=date(2025, 12, 1)
    )

    with pytest.raises(Instalment.DoesNotExist):
        services.instalment_match(
            opportunity_id=other_sale.pk,
            instalment_id=plan.instalments.get(position=1).pk,
            invoice_id=invoice.pk,
            user=member,
        )
