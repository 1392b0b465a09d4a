import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import Note, Task
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_call_and_a_task_logged_on_a_contact_are_completed_on_my_tasks(signed_in_page, member, team_a, live_server):
    customer = OrganisationFactory(team=team_a, name="Bluebell Bakery")
    page = signed_in_page(member)
    page.goto(f"{live_server.url}/contacts/{customer.pk}/")
    page.evaluate("window.notReloaded = true")
    history = page.locator("#history-list")

    page.get_by_label("What").select_option("call")
    page.get_by_label("Notes", exact=True).fill("Agreed a trial of the new ovens")
    page.get_by_role("button", name="Save to history").click()
    expect(history).to_contain_text("Agreed a trial of the new ovens")
    expect(history.locator(".event.note .chip.kind")).to_have_text("Call")

    page.get_by_role("textbox", name="Task:").fill("Send the trial agreement")
    page.get_by_label("Due:").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Add task").click()
    expect(history).to_contain_text("Send the trial agreement")

    history.get_by_role("link", name="Edit").click()
    page.locator("#history-list textarea").fill("Agreed a two-week trial of the new ovens")
    history.get_by_role("button", name="Save").click()
    expect(history).to_contain_text("Agreed a two-week trial of the new ovens")
    assert page.evaluate("window.notReloaded") is True
    note = Note.objects.get()
    assert (note.kind, note.body, note.author) == ("call", "Agreed a two-week trial of the new ovens", member)

    page.get_by_role("link", name="My tasks").click()
    expect(page.locator("#tasks-today")).to_contain_text("Send the trial agreement")
    page.get_by_role("button", name="Complete Send the trial agreement").click()
    expect(page.locator("#tasks-done")).to_contain_text("Send the trial agreement")
    expect(page.locator("#tasks-today")).to_contain_text("Nothing due today.")
    task = Task.objects.get()
    assert (task.contact, task.owner, task.completed_by) == (customer, member, member)
