"""In Chromium: typing in the header box shows results as you type (HTMX), one of them opens, and Enter without
picking one opens the full results page (issue 15); the keyboard alone moves through the hits, opens one and closes
the dropdown (the ARIA combobox pattern)."""

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
    box = page.get_by_role("search").get_by_role("combobox")
    dropdown = page.get_by_role("listbox", name="Search results")  # a hit's name starts with its name

    box.press_sequentially("bluebell", delay=30)

    expect(dropdown.get_by_role("option", name=re.compile(r"^Bluebell Bakery"))).to_be_visible()
    expect(dropdown.get_by_role("option", name=re.compile(r"^Oliver Bluebell-Brown"))).to_be_visible()
    expect(dropdown.get_by_role("option", name=re.compile(r"^Bluebell ovens"))).to_be_visible()
    expect(dropdown).not_to_contain_text("Bluebell Rivals")

    box.fill("")
    box.press_sequentially("4242", delay=30)
    expect(dropdown.get_by_role("option", name=re.compile(r"^INV-4242"))).to_be_visible()
    box.fill("")
    box.press_sequentially("01225000", delay=30)
    expect(dropdown.get_by_role("option", name=re.compile(r"^Bluebell Bakery"))).to_contain_text("01225 000 123")
    dropdown.get_by_role("option", name=re.compile(r"^Bluebell Bakery")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bluebell Bakery")

    box.fill("ovens")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Search: “ovens”")
    expect(page.locator(".search-page").get_by_role("link", name=re.compile(r"^Bluebell ovens"))).to_be_visible()


def test_the_arrow_keys_move_through_the_hits_enter_opens_one_and_escape_closes_them(
    signed_in_page, member, team_a, live_server
):
    bakery = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    OpportunityFactory(contact=bakery, name="Bluebell ovens")
    page = signed_in_page(member)
    page.goto(f"{live_server.url}/pipeline/")
    box = page.get_by_role("search").get_by_role("combobox")
    dropdown = page.get_by_role("listbox", name="Search results")
    box.press_sequentially("bluebell", delay=30)
    expect(dropdown.get_by_role("option")).to_have_count(3)  # the bakery, its ovens, "All results"
    expect(box).to_have_attribute("aria-expanded", "true")

    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(dropdown.get_by_role("option", name=re.compile(r"^Bluebell ovens"))).to_have_attribute(
        "aria-selected", "true"
    )
    box.press("ArrowUp")
    bakery_hit = dropdown.get_by_role("option", name=re.compile(r"^Bluebell Bakery"))
    expect(bakery_hit).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", bakery_hit.get_attribute("id"))
    expect(dropdown.get_by_role("option", selected=True)).to_have_count(1)
    box.press("ArrowUp")
    expect(dropdown.get_by_role("option", name=re.compile(r"^All results"))).to_have_attribute("aria-selected", "true")
    box.press("Escape")

    expect(dropdown).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(box).to_have_value("bluebell")  # the first Escape closes; it does not clear what was typed
    box.press("ArrowDown")
    expect(dropdown).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bluebell ovens")
