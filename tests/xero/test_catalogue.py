"""The organisation's catalogue for invoice lines, read by the sync (issue 16): items, revenue accounts, tax rates,
tracking options and payment terms, and what that costs in calls."""

from datetime import timedelta
from decimal import Decimal

import pytest

from integrations.xero.models import SyncRun, XeroContact
from invoices import catalogue
from invoices.models import Item, LedgerAccount, Organisation, TaxRate
from tests.factories import OrganisationFactory
from tests.xero.sync_data import load, sync
from tests.xero_records import xero_contact, xero_invoice, xero_item

pytestmark = pytest.mark.django_db

CATALOGUE_PATHS = ("/Accounts", "/TaxRates", "/TrackingCategories", "/Organisation")


def _paths(xero) -> list[str]:
    return [call["path"].rsplit("/2.0", 1)[-1] for call in xero.sandbox.calls()["calls"]]


@pytest.fixture
def stocked(xero):
    """An organisation with two items, a tracking category with an archived option, sales terms, and a paying
    customer with terms of its own."""
    customer = xero_contact(name="Bluebell Bakery", PaymentTerms={"Sales": {"Day": 28, "Type": "OFCURRENTMONTH"}})
    load(xero, contacts=[customer], invoices=[xero_invoice(contact=customer)])
    xero.sandbox.load(
        xero.uk_tenant_id,
        {
            "Items": [
                xero_item(code="CAKE", price="40.00", account="200", tax_type="OUTPUT2"),
                xero_item(code="TRAVEL", name="Travel", price=None, account="260"),
            ],
            "TrackingCategories": [
                {"Name": "Region", "Options": [{"Name": "North"}, {"Name": "Scotland", "Status": "ARCHIVED"}]}
            ],
            "Organisation": {"PaymentTerms": {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}}},
        },
    )
    return customer


def test_the_first_sync_keeps_the_catalogue_and_the_payment_terms(xero_connection, xero, stocked):
    sync(xero_connection)

    organisation = Organisation.objects.get(pk=xero_connection.organisation_id)
    items = {item.code: item for item in Item.objects.filter(organisation=organisation)}
    assert (items["CAKE"].unit_price, items["CAKE"].account_code, items["CAKE"].tax_type) == (
        Decimal("40.0000"),
        "200",
        "OUTPUT2",
    )
    assert (items["TRAVEL"].unit_price, items["TRAVEL"].tax_type) == (None, "")
    assert LedgerAccount.objects.filter(organisation=organisation, code="200").exists()
    assert not LedgerAccount.objects.filter(organisation=organisation, code="090").exists()  # a bank account
    assert TaxRate.objects.filter(organisation=organisation, tax_type="OUTPUT2", can_apply_to_revenue=True).exists()
    assert [str(o) for o in catalogue.tracking_choices(organisation_id=organisation.pk)] == ["Region: North"]
    assert (organisation.sales_terms_day, organisation.sales_terms_type) == (20, "OFFOLLOWINGMONTH")
    link = XeroContact.objects.select_related("contact").get(xero_id=stocked["ContactID"])
    assert (link.sales_terms_day, link.sales_terms_type) == (28, "OFCURRENTMONTH")
    # The contact made from it holds the terms: their one home, where due dates and the forecast read them.
    assert (link.contact.payment_terms_day, link.contact.payment_terms_type) == (28, "OFCURRENTMONTH")


def test_a_linked_contact_without_terms_takes_xeros_and_one_with_terms_keeps_its_own(
    xero_connection, xero, stocked, team_a
):
    bakery = OrganisationFactory(name="Bluebell Bakery", team=team_a)
    termed = xero_contact(name="Termed Ltd", PaymentTerms={"Sales": {"Day": 10, "Type": "DAYSAFTERBILLDATE"}})
    load(xero, contacts=[termed], invoices=[xero_invoice(contact=termed)])
    own = OrganisationFactory(
        name="Termed Ltd", team=team_a, payment_terms_day=45, payment_terms_type="DAYSAFTERBILLMONTH"
    )

    sync(xero_connection)

    bakery.refresh_from_db()
    own.refresh_from_db()
    assert XeroContact.objects.get(xero_id=stocked["ContactID"]).contact_id == bakery.pk
    assert (bakery.payment_terms_day, bakery.payment_terms_type) == (28, "OFCURRENTMONTH")
    assert XeroContact.objects.get(xero_id=termed["ContactID"]).contact_id == own.pk
    assert (own.payment_terms_day, own.payment_terms_type) == (45, "DAYSAFTERBILLMONTH")


def test_an_idle_sync_asks_only_for_changed_items_and_a_stale_catalogue_is_read_again(xero_connection, xero, stocked):
    sync(xero_connection)
    xero.sandbox.clear_calls()

    idle = sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)
    idle_paths = _paths(xero)
    Organisation.objects.filter(pk=xero_connection.organisation_id).update(
        catalogue_read_at=idle.started_at - timedelta(days=2)
    )
    xero.sandbox.clear_calls()
    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert idle.api_calls == 4
    assert "/Items" in idle_paths
    assert not any(path in idle_paths for path in CATALOGUE_PATHS)
    assert all(path in _paths(xero) for path in CATALOGUE_PATHS)


def test_an_item_changed_in_xero_comes_back_with_the_next_sync(xero_connection, xero, stocked):
    sync(xero_connection)
    xero.sandbox.clock_advance(600)
    cake = Item.objects.get(code="CAKE").xero_id
    xero.sandbox.load(xero.uk_tenant_id, {"Items": [xero_item(code="CAKE", price="45.00", account="200", ItemID=cake)]})

    sync(xero_connection, kind=SyncRun.Kind.INCREMENTAL)

    assert Item.objects.get(code="CAKE").unit_price == Decimal("45.0000")
    assert Item.objects.count() == 2
