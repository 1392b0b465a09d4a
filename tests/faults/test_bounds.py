"""Issue 19, items 2, 6, 7 and 13: money too large for its columns, absurd dates, a tampered instalment form, and
quote lines and names out of bounds. Forms refuse them with a message; the sync quarantines what Xero sends that
Capsync cannot hold; no page fails because of one record's value."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from contacts.models import Contact
from integrations.xero import schemas
from integrations.xero.models import CreateRequest, SyncError, SyncRun, XeroContact
from invoices.models import Invoice, Quote
from opportunities import services as opportunity_services
from opportunities.models import Instalment, InstalmentPlan
from tests.factories import OpportunityFactory
from tests.xero.quote_data import form_data, quote_puts, submit, xero_api
from tests.xero.sync_data import load, sync
from tests.xero_records import msdate, xero_contact, xero_invoice

pytestmark = pytest.mark.django_db

ABSURD_QUANTITY, ABSURD_PRICE = "99999999.9999", "9999999999999999.99"


# Item 2: money too large for its columns


def test_a_quote_line_too_large_for_xero_and_the_columns_is_refused_before_xero(
    seller_client, opportunity, xero_connection, xero
):
    """Item 2: 99,999,999.9999 x 9,999,999,999,999,999.99 was a 500 after Xero had made the quote; now the form
    says what it can hold and nothing is sent."""
    absurd = submit(
        seller_client,
        opportunity,
        form_data(xero_connection, **{"lines-0-quantity": ABSURD_QUANTITY, "lines-0-unit_amount": ABSURD_PRICE}),
    )
    line_total = submit(
        seller_client,
        opportunity,
        form_data(xero_connection, **{"lines-0-quantity": "1000", "lines-0-unit_amount": "99999999999.99"}),
    )
    quote_total = submit(
        seller_client,
        opportunity,
        form_data(
            xero_connection,
            **{
                "lines-0-quantity": "1",
                "lines-0-unit_amount": "9999999999999.99",
                "lines-1-quantity": "1",
                "lines-1-unit_amount": "1.00",
            },
        ),
    )

    assert (absurd.status_code, line_total.status_code, quote_total.status_code) == (200, 200, 200)
    assert "Ensure this value is less than or equal to 9999999999999.99" in absurd.text
    assert "This line comes to 99,999,999,999,990.00, more than Xero and Capsync hold" in line_total.text
    assert "The quote comes to 10,000,000,000,000.99, more than Xero and Capsync hold" in quote_total.text
    assert quote_puts(xero) == 0
    assert not CreateRequest.objects.exists()


def test_amounts_from_xero_that_do_not_fit_are_quarantined_and_every_page_still_shows(
    admin_client, seller_client, linked_opportunity, xero_connection, xero
):
    """Item 2: an invoice of 1e20 and a quote Xero made of 99,999,999.9999 x 9,999,999,999,999,999.99 are
    quarantined by the sync with the reason; the rest of the page is stored, and the contact's Xero card, the
    opportunity's quotes and the admin's lists answer 200."""
    customer_id = Invoice.objects.get().xero_contact_id
    customer = {"ContactID": customer_id, "Name": "Bluebell Bakery"}
    load(xero, invoices=[xero_invoice(contact=customer, total="1e20"), xero_invoice(contact=customer, total="30.00")])
    xero_api(xero_connection).request(
        "PUT",
        "Quotes",
        json={
            "Quotes": [
                {
                    "Contact": {"ContactID": customer_id},
                    "Date": "2026-11-20",
                    "Reference": f"OPP-{linked_opportunity.pk}",
                    "LineItems": [
                        {
                            "Description": "All of it",
                            "Quantity": float(ABSURD_QUANTITY),
                            "UnitAmount": float(ABSURD_PRICE),
                        }
                    ],
                }
            ]
        },
    )

    run = sync(xero_connection, kind=SyncRun.Kind.FULL)

    assert run.outcome == SyncRun.Outcome.PARTIAL  # the rest was stored
    reasons = sorted(SyncError.objects.values_list("resource", "reason"))
    assert [resource for resource, _ in reasons] == ["Invoice", "Quote"]
    assert all("larger than Capsync can store" in reason for _, reason in reasons)
    assert sorted(Invoice.objects.values_list("total", flat=True)) == [Decimal("30.00"), Decimal("120.00")]
    assert not Quote.objects.exists()
    contact_id = linked_opportunity.contact_id
    pages = [
        seller_client.get(reverse("invoices:contact", args=[contact_id])),
        seller_client.get(reverse("xero:opportunity_quotes", args=[linked_opportunity.pk])),
        seller_client.get(reverse("opportunities:detail", args=[linked_opportunity.pk])),
        admin_client.get(reverse("admin:invoices_invoice_changelist")),
        admin_client.get(reverse("admin:invoices_quote_changelist")),
        admin_client.get(reverse("admin:xero_syncerror_changelist")),
    ]
    assert [page.status_code for page in pages] == [200] * len(pages)


@pytest.mark.parametrize(
    ("field", "value", "fits"),
    [
        ("Total", "999999999999999.99", True),
        ("Total", "999999999999999.999", False),  # rounds up to 10^15
        ("Total", "1E+20", False),
        ("AmountDue", "-1E+16", False),
        ("CurrencyRate", "999999999.999999", True),
        ("CurrencyRate", "1E+9", False),
    ],
)
def test_the_parser_refuses_amounts_the_columns_cannot_hold(field, value, fits):
    """Item 2, where Xero's JSON becomes Python: an amount is refused (SchemaError, so quarantined) when its column
    (18 digits, 2 places; rates 6 places) could not hold it, read back through SQLite's 15 significant digits
    included (amounts under 10^15, rates under 10^9)."""
    record = {
        **xero_invoice(contact=xero_contact(name="Big Ltd")),
        "UpdatedDateUTC": msdate(date(2026, 9, 1)),
        field: Decimal(value),
    }

    if fits:
        attribute = {"Total": "total", "CurrencyRate": "currency_rate"}[field]
        assert getattr(schemas.invoice(record), attribute) == Decimal(value)
    else:
        with pytest.raises(schemas.SchemaError, match=f"{field} .* is larger than Capsync can store"):
            schemas.invoice(record)


# Item 6: dates out of any sensible range


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


@pytest.mark.parametrize("first_due_on", ["9999-12-01", "0001-01-01", "2099-06-01"])
def test_an_instalment_plan_with_an_absurd_first_date_is_refused_with_a_message(won_sale, member_client, first_due_on):
    """Item 6: 9999-12-01 was a 500 ("year 10000"), 0001-01-01 was accepted; a plan whose last instalment falls
    after 2099 is refused too."""
    response = member_client.post(
        reverse("opportunities:instalments_create", args=[won_sale.pk]),
        {"count": "12", "first_due_on": first_due_on},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert (
        "Pick a date between 01 Jan 2000 and 31 Dec 2099" in response.text
        or "The last of 12 monthly instalments would fall after 31 Dec 2099" in response.text
    )
    assert not InstalmentPlan.objects.exists()


def test_quote_dates_out_of_range_are_refused(seller_client, opportunity, xero_connection, xero):
    """Item 6: a quote dated 0001-01-01 or expiring 9999-12-01 is refused before Xero."""
    response = submit(
        seller_client, opportunity, form_data(xero_connection, date="0001-01-01", expiry_date="9999-12-01")
    )

    assert response.status_code == 200
    assert response.text.count("Pick a date between 01 Jan 2000 and 31 Dec 2099") == 2
    assert quote_puts(xero) == 0


# Item 7: the same instalment twice


def test_an_instalment_edit_naming_one_instalment_twice_is_refused_with_a_message(won_sale, member, member_client):
    """Item 7: a tampered hidden field repeating an instalment id was a 500 IntegrityError."""
    plan = opportunity_services.instalment_plan_create_even(
        opportunity_id=won_sale.pk, user=member, count=2, first_due_on=date(2026, 2, 1)
    )
    first = plan.instalments.order_by("position").first()
    before = list(Instalment.objects.values_list("pk", "amount", "due_on"))

    response = member_client.post(
        reverse("opportunities:instalments_edit", args=[won_sale.pk]),
        {
            "instalments-TOTAL_FORMS": "2",
            "instalments-INITIAL_FORMS": "2",
            "instalments-0-instalment_id": first.pk,
            "instalments-0-amount": "500.00",
            "instalments-0-due_on": "2026-02-01",
            "instalments-1-instalment_id": first.pk,
            "instalments-1-amount": "500.00",
            "instalments-1-due_on": "2026-03-01",
        },
    )

    assert response.status_code == 200
    assert "An instalment appears twice in the form; reload the page and edit again." in response.text
    assert list(Instalment.objects.values_list("pk", "amount", "due_on")) == before


# Item 13: quote lines and names out of bounds


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lines-0-quantity": "0"}, "The quantity must be above zero."),
        ({"lines-0-unit_amount": "-5.00"}, "The unit price cannot be negative."),
        (
            {
                "lines-TOTAL_FORMS": "21",
                **{
                    f"lines-{n}-{field}": value
                    for n in range(2, 21)
                    for field, value in (("description", "More"), ("quantity", "1"), ("unit_amount", "1.00"))
                },
            },
            "A quote has at most 20 lines.",
        ),
    ],
)
def test_quote_lines_out_of_bounds_are_refused(seller_client, opportunity, xero_connection, xero, changes, message):
    """Item 13: quantity 0, a negative unit price and 21 lines were accepted."""
    response = submit(seller_client, opportunity, form_data(xero_connection, **changes))

    assert response.status_code == 200
    assert message in response.text
    assert quote_puts(xero) == 0


def test_names_longer_than_xero_allows_are_refused_whole_rather_than_cut():
    """Item 13: a 300-character name was cut to 255 without notice. Xero allows 255 (its OpenAPI spec), as do
    Capsync's columns: a longer one is a SchemaError, so the sync quarantines the record with its full payload."""
    updated = {"UpdatedDateUTC": msdate(date(2026, 9, 1))}
    contact = {**xero_contact(name="N" * 300), **updated}
    invoice = {**xero_invoice(contact=contact), **updated}

    for parse, record in ((schemas.contact, contact), (schemas.invoice, invoice)):
        with pytest.raises(schemas.SchemaError, match="Name is 300 characters long; Xero allows 255"):
            parse(record)
    assert schemas.contact({**contact, "Name": "N" * 255}).name == "N" * 255


def test_a_name_from_xero_longer_than_the_crm_column_is_cut_with_a_visible_mark(xero_connection, xero):
    """Item 13: a person's 150-character first name (Xero allows 255, the CRM's column 100) is no longer cut
    silently: the CRM's copy ends in "…", and the Xero mirror keeps it whole."""
    first_name = "F" * 150
    person = xero_contact(name=f"{first_name} Smith", first_name=first_name, last_name="Smith")
    load(xero, contacts=[person], invoices=[xero_invoice(contact=person)])

    sync(xero_connection)

    assert Contact.objects.get(last_name="Smith").first_name == "F" * 99 + "…"
    assert XeroContact.objects.get(xero_id=person["ContactID"]).first_name == first_name
