"""Issue 15's "done when", walked in Chromium on `make demo`'s world: Sam, a salesperson, adds an organisation and a
person, opens an opportunity, logs a call, sets a follow-up task and finds all of it from the header search box; he
reads Acme's history, its invoices, payments and credit note among the notes. Pat, who sells without "can see
money", opens the same pages and sees none of Xero's amounts."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from activity.models import Note, Task
from contacts.models import Contact
from opportunities.models import Opportunity

pytestmark = [pytest.mark.browser]


def _search(page: Page, text: str):
    """Type into the header box as a person would; the dropdown of results it fills."""
    box = page.get_by_role("search").get_by_role("combobox")
    box.fill("")
    box.press_sequentially(text, delay=30)
    return page.get_by_role("region", name="Search results")


def _hit(dropdown, name: str):
    return dropdown.get_by_role("option", name=re.compile(rf"^{re.escape(name)}"))


def _add_a_lead(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People & Organisations").click()
    page.get_by_role("link", name="Add organisation").click()
    page.locator("#id_name").fill("Marigold Florists")
    page.locator("#id_emails-0-address").fill("orders@marigold.example")
    page.locator("#id_phones-0-number").fill("01632 960 555")
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Marigold Florists")

    page.get_by_role("link", name="Add person").click()
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Quint")
    page.get_by_label("Job title").fill("Owner")
    page.get_by_role("button", name="Add person").click()
    expect(page.locator(".subtitle")).to_contain_text("Owner at Marigold Florists")

    page.get_by_role("link", name="Add opportunity").click()
    page.locator("#id_name").fill("Wedding season flowers")
    page.get_by_label("Value").fill("12000")
    page.get_by_role("button", name="Add opportunity").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wedding season flowers")

    history = page.locator("#history-list")
    page.get_by_label("What").select_option("call")
    page.get_by_label("Notes", exact=True).fill("Rosa wants a quote for twelve weddings")
    page.get_by_role("button", name="Save to history").click()
    expect(history).to_contain_text("Rosa wants a quote for twelve weddings")
    page.get_by_role("textbox", name="Task:").fill("Send Rosa the price list")
    page.get_by_label("Due:").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Add task").click()
    expect(history).to_contain_text("Send Rosa the price list")


def test_a_salesperson_works_a_new_lead_and_reads_acmes_history_and_pat_sees_no_amounts(
    demo_world, signed_in_page, live_server
):
    sam = signed_in_page(demo_world.user("sam@example.com"))

    _add_a_lead(sam, live_server.url)

    sam.goto(f"{live_server.url}/")
    dropdown = _search(sam, "marigold")
    expect(_hit(dropdown, "Marigold Florists")).to_be_visible()
    dropdown = _search(sam, "rosa")
    expect(_hit(dropdown, "Rosa Quint")).to_contain_text("Marigold Florists")
    dropdown = _search(sam, "01632960555")
    expect(_hit(dropdown, "Marigold Florists")).to_contain_text("01632 960 555")
    dropdown = _search(sam, "wedding")
    _hit(dropdown, "Wedding season flowers").click()
    expect(sam.get_by_role("heading", level=1)).to_contain_text("Wedding season flowers")
    expect(sam.locator("#history-list")).to_contain_text("Rosa wants a quote for twelve weddings")
    expect(sam.locator("#history-list")).to_contain_text("Send Rosa the price list")
    _search(sam, "rosa")
    _hit(dropdown, "Rosa Quint").click()
    expect(sam.locator("#history-list")).to_contain_text("Rosa wants a quote for twelve weddings")
    opportunity = Opportunity.objects.get(name="Wedding season flowers")
    assert opportunity.contact.organisation.name == "Marigold Florists"
    assert Note.objects.get(opportunity=opportunity).kind == "call"
    assert Task.objects.get(opportunity=opportunity).contact == opportunity.contact

    _hit(_search(sam, "acme"), "Acme Widgets Ltd Organisation").click()
    history = sam.locator("#history-list")
    expect(history).to_contain_text("Chased the overdue invoice")
    events = history.locator(":scope > li").all_inner_texts()
    position = {
        what: next(index for index, text in enumerate(events) if what in text)
        for what in (
            "Payment received for INV-0001",
            "Chased the overdue invoice",
            "Credit note CN-0001 applied",
            "Invoice INV-0001 issued",
        )
    }
    # Newest first, the call of 1 December between the payment of the 2nd and the credit of 29 November.
    assert list(position) == sorted(position, key=position.get), events
    amounts_sam_sees = {re.sub(r"^[A-Z]{3}\s*", "", text) for text in history.locator(".amount").all_inner_texts()} | {
        re.sub(r"^[A-Z]{3}\s*", "", text) for text in sam.locator("#invoice-panel td.num").all_inner_texts()
    }
    amounts_sam_sees -= {"—", "0.00"}
    assert {"1,440.00", "300.00", "200.00", "120.00"} <= amounts_sam_sees

    pat = signed_in_page(demo_world.user("pat@example.com"))
    acme = Contact.objects.get(name="Acme Widgets Ltd")
    pat.goto(f"{live_server.url}/contacts/{acme.pk}/")
    expect(pat.locator("#invoice-panel")).to_contain_text("Xero: linked")
    expect(pat.locator("#history-list")).to_contain_text("Invoice INV-0001 issued")
    shown = {"Acme's page": pat.locator("main").inner_text()}
    pat.locator("#history-section").get_by_role("link", name="Money").click()
    expect(pat.locator("#history-section").get_by_role("link", name="Money")).to_have_attribute("aria-current", "true")
    expect(pat.locator("#history-list")).not_to_contain_text("Chased the overdue invoice")
    expect(pat.locator("#history-list")).to_contain_text("Invoice INV-0002 issued")
    expect(pat.locator("#history-list")).not_to_contain_text("Payment received")
    shown["Acme's money history"] = pat.locator("main").inner_text()
    pat.get_by_role("link", name="Acme Widgets Ltd: Hardware refresh").click()
    expect(pat.locator("#history-list")).to_be_visible()
    shown["Acme's opportunity"] = pat.locator("main").inner_text()
    expect(_hit(_search(pat, "INV-0001"), "INV-0001")).to_be_visible()
    shown["the search for INV-0001"] = pat.get_by_role("region", name="Search results").inner_text()
    pat.goto(f"{live_server.url}/")
    shown["the dashboard"] = pat.locator("main").inner_text()
    seen = {where: [amount for amount in amounts_sam_sees if amount in text] for where, text in shown.items()}
    assert seen == {where: [] for where in shown}
