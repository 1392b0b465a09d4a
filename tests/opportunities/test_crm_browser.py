"""In Chromium: a salesperson adds an organisation and a person, opens an opportunity, marks it lost and sees it
leave the pipeline, all from the app's own buttons (issue 15)."""

import pytest
from playwright.sync_api import expect

from tests.factories import MilestoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_salesperson_adds_contacts_opens_an_opportunity_and_loses_it(signed_in_page, member, team_a, live_server):
    MilestoneFactory(name="New", position=1, probability=10)
    MilestoneFactory(name="Proposal", position=2, probability=40)
    page = signed_in_page(member)
    page.goto(f"{live_server.url}/contacts/")

    page.get_by_role("link", name="Add organisation").click()
    page.locator("#id_name").fill("Bluebell Bakery")
    page.locator("#id_emails-0-address").fill("orders@bluebell.example")
    page.locator("#id_phones-0-number").fill("01225 000000")
    page.get_by_label("Tags").fill("bakery")
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bluebell Bakery")

    page.get_by_role("link", name="Add person").click()
    expect(page.locator("#id_organisation")).to_have_value(page.url.split("organisation=")[1])
    page.get_by_label("First name").fill("Oliver")
    page.get_by_label("Last name").fill("Brown")
    page.get_by_label("Job title").fill("Head baker")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oliver Brown")
    expect(page.locator(".subtitle")).to_contain_text("Head baker at Bluebell Bakery")

    page.get_by_role("link", name="Add opportunity").click()
    page.locator("#id_name").fill("Ovens for the new shop")
    page.get_by_label("Value").fill("12000")
    page.get_by_label("Milestone").select_option(label="Proposal")
    page.get_by_role("button", name="Add opportunity").click()
    expect(page.locator(".details")).to_contain_text("GBP 4,800.00")  # weighted by Proposal's 40%

    page.goto(f"{live_server.url}/pipeline/")
    expect(page.get_by_role("region", name="Proposal")).to_contain_text("Ovens for the new shop")
    page.get_by_role("link", name="Ovens for the new shop").click()
    page.get_by_label("Lost").check()
    page.get_by_label("Reason").fill("Went with a cheaper supplier")
    page.get_by_role("button", name="Close opportunity").click()
    expect(page.locator(".messages")).to_contain_text("marked lost; it has left the pipeline")

    page.goto(f"{live_server.url}/pipeline/")
    expect(page.get_by_role("region", name="Proposal")).not_to_contain_text("Ovens for the new shop")
