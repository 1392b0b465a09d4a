"""In Chromium: typing in the header box shows results as you type (HTMX), one of them opens, and Enter without
picking one opens the full results page (issue 15)."""

import re

import pytest
from playwright.sync_api import expect

from contacts.models import PhoneNumber
from tests.factories import InvoiceFactory, OpportunityFactory, OrganisationFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_in_the_header_box_finds_contacts_deals_and_invoices(
    signed_in_page, member, team_a, team_b, live_server
):
    bakery = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    PersonFactory(team=team_a, first_name="Oliver", last_name="Bluebell-Brown", organisation=bakery)
    PhoneNumber.objects.create(contact=bakery, number="01225 000 123")
    OpportunityFactory(contact=bakery, name="Bluebell ovens")
    InvoiceFactory(contact=bakery, number="INV-4242")
    OrganisationFactory(team=team_b, name="Bluebell Rivals")
    page = signed_in_page(member)
    page.goto(f"{live_server.url}/pipeline/")
    box = page.get_by_role("search").get_by_role("searchbox")
    dropdown = page.get_by_role("region", name="Search results")  # a hit's link starts with its name

    box.press_sequentially("bluebell", delay=30)

    expect(dropdown.get_by_role("link", name=re.compile(r"^Bluebell Bakery"))).to_be_visible()
    expect(dropdown.get_by_role("link", name=re.compile(r"^Oliver Bluebell-Brown"))).to_be_visible()
    expect(dropdown.get_by_role("link", name=re.compile(r"^Bluebell ovens"))).to_be_visible()
    expect(dropdown).not_to_contain_text("Bluebell Rivals")

    box.fill("")
    box.press_sequentially("4242", delay=30)
    expect(dropdown.get_by_role("link", name=re.compile(r"^INV-4242"))).to_be_visible()
    box.fill("")
    box.press_sequentially("01225000", delay=30)
    expect(dropdown.get_by_role("link", name=re.compile(r"^Bluebell Bakery"))).to_contain_text("01225 000 123")
    dropdown.get_by_role("link", name=re.compile(r"^Bluebell Bakery")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bluebell Bakery")

    box.fill("ovens")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Search: “ovens”")
    expect(page.locator(".search-page").get_by_role("link", name=re.compile(r"^Bluebell ovens"))).to_be_visible()
