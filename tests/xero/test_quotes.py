"""Quote drafts made in Xero from an opportunity, and their status coming back with the sync (issues 7 and 8)."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from demo import services as demo
from integrations.xero import selectors
from integrations.xero.forms import QuoteForm
from integrations.xero.models import CreateRequest, SyncRun, XeroConnection, XeroContact, XeroGrant
from invoices import quotes as quote_mirror
from invoices.models import Quote
from opportunities.models import Milestone, Opportunity
from tests.factories import MilestoneFactory, OpportunityFactory, UserFactory
from tests.sandbox import SandboxControl, SandboxProcess
from tests.xero.quote_data import QUOTES_PATH, form_data, quote_puts, quote_status_set, sandbox_quotes, submit, xero_api
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice
from tests.xero_world import XeroWorld

pytestmark = pytest.mark.django_db


def test_the_form_is_prefilled_from_the_opportunity(seller_client, opportunity):
    page = seller_client.get(reverse("xero:quote_create", args=[opportunity.pk]))

    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["title"] == "Shop fit-out"
    assert form.initial["currency_code"] == "GBP"
    assert form.initial["expiry_date"] == form.initial["date"] + timedelta(days=30)
    assert page.context["lines"].initial == [
        {"description": "Shop fit-out", "quantity": 1, "unit_amount": Decimal("1250.00")}
    ]
    assert f"reference OPP-{opportunity.pk}" in page.text
    assert 'name="submission_key"' in page.text
    assert f'name="date" value="{form.initial["date"].isoformat()}"' in page.text  # what a date input can read


def test_creating_a_quote_lands_a_draft_in_xero_with_the_lines_reference_and_expiry(
    seller_client, linked_opportunity, xero_connection
):
    response = submit(seller_client, linked_opportunity, form_data(xero_connection))

    assert response.status_code == 302
    assert response.url == reverse("opportunities:detail", args=[linked_opportunity.pk])
    (made,) = sandbox_quotes(xero_connection)
    assert made["Status"] == "DRAFT"
    assert made["Reference"] == f"OPP-{linked_opportunity.pk}"
    assert made["ExpiryDateString"].startswith("2026-12-25")
    assert made["LineAmountTypes"] == "EXCLUSIVE"
    assert [(line["Description"], line["Quantity"], line["UnitAmount"]) for line in made["LineItems"]] == [
        ("Shelving", Decimal("2.0000"), Decimal("500.00")),
        ("Counter", Decimal("1.0000"), Decimal("250.00")),
    ]
    assert made["Contact"]["ContactID"] == XeroContact.objects.get(contact=linked_opportunity.contact).xero_id
    quote = Quote.objects.get()
    assert (quote.xero_id, quote.status, quote.opportunity_id, quote.contact_id) == (
        made["QuoteID"],
        "DRAFT",
        linked_opportunity.pk,
        linked_opportunity.contact_id,
    )
    assert quote.expires_on == date(2026, 12, 25)


def test_a_contact_not_in_xero_is_created_there_and_linked_before_the_quote(
    seller_client, opportunity, xero_connection, xero
):
    response = submit(seller_client, opportunity, form_data(xero_connection))

    assert response.status_code == 302
    link = XeroContact.objects.get(connection=xero_connection, contact=opportunity.contact)
    assert link.link_state == XeroContact.LinkState.LINKED
    assert link.name == "Corner Shop"
    (made,) = sandbox_quotes(xero_connection)
    assert made["Contact"]["ContactID"] == link.xero_id
    assert xero.sandbox.state()["tenants"][0]["counts"]["Contacts"] == 1


def test_a_contact_already_in_xero_but_not_brought_in_is_linked_not_duplicated(
    seller_client, opportunity, xero_connection, xero
):
    in_xero = xero_contact(name="Corner Shop")  # no paying invoice, so the sync kept it out of the CRM
    load(xero, contacts=[in_xero])
    sync(xero_connection)

    response = submit(seller_client, opportunity, form_data(xero_connection))

    assert response.status_code == 302
    assert XeroContact.objects.get(contact=opportunity.contact).xero_id == in_xero["ContactID"]
    assert xero.sandbox.state()["tenants"][0]["counts"]["Contacts"] == 1
    (made,) = sandbox_quotes(xero_connection)
    assert made["Contact"]["ContactID"] == in_xero["ContactID"]


def test_an_expired_access_token_is_refreshed_before_the_quote_is_sent(
    seller_client, opportunity, xero_connection, xero
):
    xero.sandbox.clock_advance(1801)  # Xero now refuses the access token from the wizard
    XeroGrant.objects.update(access_token_expires_at=timezone.now() - timedelta(seconds=1))

    response = submit(seller_client, opportunity, form_data(xero_connection))

    assert response.status_code == 302
    assert XeroGrant.objects.get().refreshed_at is not None
    assert len(sandbox_quotes(xero_connection)) == 1


def test_a_lost_answer_is_retried_into_the_same_quote(seller_client, opportunity, xero_connection, xero):
    xero.sandbox.fault(match=QUOTES_PATH, method="PUT", kind="lose-response", count=1)
    data = form_data(xero_connection)

    lost = submit(seller_client, opportunity, data)
    retried = submit(seller_client, opportunity, data)

    assert lost.status_code == 400
    assert "Send the form again: it will not make a second quote" in lost.text
    assert retried.status_code == 302
    assert len(sandbox_quotes(xero_connection)) == 1
    assert Quote.objects.get().xero_id == sandbox_quotes(xero_connection)[0]["QuoteID"]
    assert quote_puts(xero) == 2


def test_a_lost_answer_while_creating_the_contact_makes_one_contact(seller_client, opportunity, xero_connection, xero):
    xero.sandbox.fault(match="^/api/api.xro/2.0/Contacts$", method="PUT", kind="lose-response", count=1)
    data = form_data(xero_connection)

    submit(seller_client, opportunity, data)
    retried = submit(seller_client, opportunity, data)

    assert retried.status_code == 302
    assert xero.sandbox.state()["tenants"][0]["counts"]["Contacts"] == 1
    assert XeroContact.objects.get(contact=opportunity.contact).link_state == XeroContact.LinkState.LINKED


def test_xero_validation_errors_show_on_the_form_and_leave_nothing_behind(
    seller_client, linked_opportunity, xero_connection
):
    data = form_data(xero_connection, currency_code="USD")  # the UK organisation has no USD

    refused = submit(seller_client, linked_opportunity, data)

    assert refused.status_code == 400
    assert "Xero did not make the quote" in refused.text
    assert "Organisation is not subscribed to currency USD" in refused.text
    assert sandbox_quotes(xero_connection) == []
    assert not Quote.objects.exists()
    assert CreateRequest.objects.get().status == CreateRequest.Status.FAILED
    assert refused.context["form"]["submission_key"].value() != data["submission_key"]


def test_a_corrected_form_after_a_refusal_makes_the_quote(seller_client, linked_opportunity, xero_connection):
    refused = submit(seller_client, linked_opportunity, form_data(xero_connection, currency_code="USD"))
    new_key = refused.context["form"]["submission_key"].value()

    corrected = submit(seller_client, linked_opportunity, form_data(xero_connection, key=uuid.UUID(new_key)))

    assert corrected.status_code == 302
    assert len(sandbox_quotes(xero_connection)) == 1


def test_an_expiry_before_the_quote_date_is_refused_without_asking_xero(
    seller_client, opportunity, xero_connection, xero
):
    xero.sandbox.clear_calls()

    response = submit(seller_client, opportunity, form_data(xero_connection, expiry_date="2026-11-01"))

    assert response.status_code == 200
    assert "The quote cannot expire before its date." in response.text
    assert xero.sandbox.calls()["calls"] == []
    assert not CreateRequest.objects.exists()


def test_a_second_draft_needs_confirming(seller_client, opportunity, xero_connection):
    submit(seller_client, opportunity, form_data(xero_connection))
    first = Quote.objects.get()

    page = seller_client.get(reverse("xero:quote_create", args=[opportunity.pk]))
    unconfirmed = submit(seller_client, opportunity, form_data(xero_connection))
    confirmed = submit(seller_client, opportunity, form_data(xero_connection, another_draft="on"))

    assert first.number in page.text
    assert f"redirecturl=/Accounts/Receivable/Quotes/View/{first.xero_id}" in page.text
    assert "Create another draft anyway" in page.text
    assert unconfirmed.status_code == 200
    assert "already has a draft quote" in unconfirmed.text
    assert confirmed.status_code == 302
    assert len(sandbox_quotes(xero_connection)) == 2


# --- the status coming back --------------------------------------------------------------------------------------


def test_status_changes_in_xero_come_back_with_the_sync_and_show_on_the_opportunity_and_panel(
    seller_client, linked_opportunity, xero_connection
):
    submit(seller_client, linked_opportunity, form_data(xero_connection))
    quote = Quote.objects.get()
    seen = {}

    for status, label in (("SENT", "Sent"), ("ACCEPTED", "Accepted"), ("INVOICED", "Invoiced")):
        quote_status_set(xero_connection, quote, status)
        run = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)
        quote.refresh_from_db()
        on_opportunity = seller_client.get(
            reverse("xero:opportunity_quotes", args=[linked_opportunity.pk]), headers={"HX-Request": "true"}
        )
        panel = seller_client.get(
            reverse("invoices:contact", args=[linked_opportunity.contact_id]), headers={"HX-Request": "true"}
        )
        seen[status] = (run.outcome, quote.status, label in on_opportunity.text, label in panel.text)

    assert seen == {
        status: (SyncRun.Outcome.SUCCEEDED, status, True, True) for status in ("SENT", "ACCEPTED", "INVOICED")
    }


def test_a_declined_quote_shows_declined_with_its_xero_link(seller_client, linked_opportunity, xero_connection):
    submit(seller_client, linked_opportunity, form_data(xero_connection))
    quote = Quote.objects.get()
    quote_status_set(xero_connection, quote, "SENT", "DECLINED")

    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    panel = seller_client.get(
        reverse("invoices:contact", args=[linked_opportunity.contact_id]), headers={"HX-Request": "true"}
    )
    assert 'class="chip quote-declined">Declined' in panel.text
    assert f"redirecturl=/Accounts/Receivable/Quotes/View/{quote.xero_id}" in panel.text


def test_an_accepted_quote_moves_its_open_opportunity_to_the_milestone_the_admin_picked(
    admin_client, seller_client, linked_opportunity, xero_connection
):
    won_stage = MilestoneFactory(name="Quote accepted", probability=90)
    admin_client.post(
        reverse("xero:options", args=[xero_connection.pk]),
        {
            "suppliers": "ignore",
            "default_team": xero_connection.default_team_id,
            "sync_interval_seconds": 7200,
            "push_crm_edits": "on",
            "accepted_quote_milestone": won_stage.pk,
        },
    )
    submit(seller_client, linked_opportunity, form_data(xero_connection))
    quote_status_set(xero_connection, Quote.objects.get(), "SENT", "ACCEPTED")

    run = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    linked_opportunity.refresh_from_db()
    assert (linked_opportunity.milestone, linked_opportunity.probability) == (won_stage, 90)
    assert run.counts["opportunities_moved"] == 1


def test_an_accepted_quote_leaves_the_opportunity_alone_without_a_milestone_set(
    seller_client, linked_opportunity, xero_connection
):
    before = linked_opportunity.milestone_id
    submit(seller_client, linked_opportunity, form_data(xero_connection))
    quote_status_set(xero_connection, Quote.objects.get(), "SENT", "ACCEPTED")

    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    linked_opportunity.refresh_from_db()
    assert linked_opportunity.milestone_id == before
    assert Quote.objects.get().status == "ACCEPTED"


def test_an_idle_sync_without_open_opportunity_quotes_does_not_ask_for_quotes(xero_connection, xero):
    customer = xero_contact(name="Bluebell Bakery")
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    xero_api(xero_connection).request(
        "PUT",
        "Quotes",
        json={
            "Quotes": [
                {  # made in Xero, for no opportunity
                    "Contact": {"ContactID": customer["ContactID"]},
                    "Date": "2026-11-20",
                    "LineItems": [{"Description": "Cakes", "Quantity": 1, "UnitAmount": 40}],
                }
            ]
        },
    )
    sync(xero_connection)
    xero.sandbox.clear_calls()

    idle = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    paths = [call["path"] for call in xero.sandbox.calls()["calls"]]
    assert Quote.objects.get().status == "DRAFT"  # the full sync brought it in
    assert idle.api_calls <= 4  # invoices, credit notes, contacts, items
    assert not any(path.endswith("/Quotes") for path in paths)


def test_a_full_reconcile_brings_in_quotes_made_in_xero_with_an_opportunity_reference(
    seller_client, linked_opportunity, xero_connection
):
    xero_contact_id = XeroContact.objects.get(contact=linked_opportunity.contact).xero_id
    xero_api(xero_connection).request(
        "PUT",
        "Quotes",
        json={
            "Quotes": [
                {
                    "Contact": {"ContactID": xero_contact_id},
                    "Date": "2026-11-20",
                    "Reference": f"OPP-{linked_opportunity.pk}",
                    "LineItems": [{"Description": "Cakes", "Quantity": 3, "UnitAmount": 40}],
                }
            ]
        },
    )

    sync(xero_connection, kind=SyncRun.Kind.FULL)

    quote = Quote.objects.get()
    assert (quote.opportunity_id, quote.contact_id, quote.total) == (
        linked_opportunity.pk,
        linked_opportunity.contact_id,
        Decimal("144.00"),
    )


# --- who may see what --------------------------------------------------------------------------------------------


def test_another_teams_user_gets_404_on_every_quote_url(opportunity, xero_connection, team_b):
    outsider = UserFactory(email="outsider@example.com")
    outsider.teams.add(team_b)
    browser = Client()
    browser.force_login(outsider)

    answers = [
        browser.get(reverse("xero:quote_create", args=[opportunity.pk])).status_code,
        submit(browser, opportunity, form_data(xero_connection)).status_code,
        browser.get(reverse("xero:opportunity_quotes", args=[opportunity.pk])).status_code,
        browser.get(
            reverse("xero:opportunity_quotes", args=[opportunity.pk]), headers={"HX-Request": "true"}
        ).status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert not CreateRequest.objects.exists()


def test_the_opportunity_page_loads_its_quotes_section(seller_client, opportunity):
    page = seller_client.get(reverse("opportunities:detail", args=[opportunity.pk]))

    assert f'hx-get="{reverse("xero:opportunity_quotes", args=[opportunity.pk])}"' in page.text
    assert f'href="{reverse("xero:quote_create", args=[opportunity.pk])}"' in page.text


@pytest.mark.parametrize("quote_count", [0, 40])
def test_the_panel_query_count_stays_the_same_with_quotes(
    seller_client, opportunity, xero_connection, quote_count, django_assert_max_num_queries
):
    now = timezone.now()
    quote_mirror.quotes_upsert(
        organisation_id=xero_connection.organisation_id,
        contact_ids_by_xero_id={"c-1": opportunity.contact_id},
        now=now,
        items=[
            quote_mirror.QuoteData(
                xero_id=f"q-{n}",
                xero_contact_id="c-1",
                number=f"QU-{n:04d}",
                reference=f"OPP-{opportunity.pk}",
                title="Fit-out",
                status="SENT",
                currency_code="GBP",
                total=Decimal("10.00"),
                issued_on=date(2026, 11, 1),
                expires_on=None,
                xero_updated_at=now,
            )
            for n in range(quote_count)
        ],
    )

    with django_assert_max_num_queries(15):
        panel = seller_client.get(
            reverse("invoices:contact", args=[opportunity.contact_id]), headers={"HX-Request": "true"}
        )

    assert panel.status_code == 200
    assert panel.text.count("QU-00") == quote_count


# --- the demo --------------------------------------------------------------------------------------------------


@pytest.fixture
def demo_xero(settings):
    """The sandbox as `make demo` starts it (--seed demo), with an app registered for the test client."""
    process = SandboxProcess(["--port", "0", "--seed", "demo", "--rate-limits", "off"])
    control = SandboxControl(process.url)
    try:
        tenants = {tenant["name"]: tenant["tenant_id"] for tenant in control.state()["tenants"]}
        redirect_uri = "http://testserver/integrations/xero/callback/"
        control.create_app(
            client_id="capsync-quotes", client_secret="quotes-secret", name="Capsync", redirect_uris=[redirect_uri]
        )
        settings.XERO_LOGIN_URL, settings.XERO_IDENTITY_URL = control.login_url, control.identity_url
        settings.XERO_API_URL = control.api_url
        settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET = "capsync-quotes", "quotes-secret"
        yield XeroWorld(
            sandbox=control,
            client_id="capsync-quotes",
            client_secret="quotes-secret",
            redirect_uri=redirect_uri,
            user_email="demo@example.com",
            uk_tenant_id=tenants["Demo Company (UK)"],
            nz_tenant_id=tenants["Demo Company (NZ)"],
        )
    finally:
        process.stop()


def _prefilled_submit(browser: Client, opportunity: Opportunity):
    """Open the form and send it as it came, as a person who only clicks the button would."""
    page = browser.get(reverse("xero:quote_create", args=[opportunity.pk]))
    form, lines = page.context["form"], page.context["lines"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {f"lines-0-{name}": value for name, value in lines.initial[0].items()}
    data |= {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1"}
    return browser.post(reverse("xero:quote_create", args=[opportunity.pk]), data)


@pytest.mark.parametrize("customer", ["Acme Widgets Ltd", "Riverside Dental"])  # in Xero's demo data / not
def test_a_demo_user_creates_a_quote_from_a_seeded_opportunity(admin_client, demo_xero, customer):
    demo.demo_data_load(today=timezone.localdate())
    sales = Team.objects.get(name="Sales")
    demo_xero.consent(admin_client, tenant_ids=[demo_xero.uk_tenant_id])
    uk = XeroConnection.objects.get()
    admin_client.post(
        reverse("xero:options", args=[uk.pk]),
        {"suppliers": "ignore", "default_team": sales.pk, "sync_interval_seconds": 7200, "push_crm_edits": "on"},
    )
    sync(uk)
    opportunity = Opportunity.objects.filter(contact__name=customer, outcome="open").first()
    browser = Client()
    browser.force_login(User.objects.get(email=demo.TEAM_OWNERS["Sales"]))

    created = _prefilled_submit(browser, opportunity)

    assert created.status_code == 302, created.context and created.context["refused"]
    (made,) = [quote for quote in sandbox_quotes(uk) if quote.get("Reference") == f"OPP-{opportunity.pk}"]
    assert made["Contact"]["Name"] == customer
    assert made["SubTotal"] == opportunity.value
    section = browser.get(reverse("xero:opportunity_quotes", args=[opportunity.pk]), headers={"HX-Request": "true"})
    assert made["QuoteNumber"] in section.text
    assert "Draft" in section.text


def test_opportunity_milestones_offered_in_the_options_are_the_pipeline(admin_client, xero_connection):
    MilestoneFactory(name="Negotiation")

    page = admin_client.get(reverse("xero:options", args=[xero_connection.pk]))

    assert "When a quote is accepted in Xero" in page.text
    assert set(page.context["form"].fields["accepted_quote_milestone"].queryset) == set(Milestone.objects.all())


def test_with_two_organisations_the_form_suggests_the_one_in_the_opportunitys_currency(uk_org, nz_org):
    gbp = OpportunityFactory(currency_code="GBP")
    usd = OpportunityFactory(currency_code="USD")

    suggested = {
        opportunity.currency_code: selectors.QuoteFormPage(
            opportunity=opportunity, organisations=[nz_org, uk_org], drafts=[]
        ).suggested_organisation_id
        for opportunity in (gbp, usd)
    }
    form = QuoteForm(organisations=[nz_org, uk_org], initial={"organisation": None})

    assert suggested == {"GBP": uk_org.pk, "USD": None}
    assert form.fields["organisation"].choices[0] == ("", "Choose an organisation")
