"""Issue 19, "Done when": the URL walk of test_web_security.py also posts absurd numbers and dates to every form.

Every URL pattern is read (as the admin, in the hostile world); each POST form on the page it renders (the admin's
and allauth's too) is sent back to its action with every number-like field set to an absurd number and every
date-like field to an absurd date, the rest as rendered. No answer may be a 500: the test client re-raises a
view's exception, so an unhandled one fails here with its traceback."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.urls import reverse

from opportunities.models import Opportunity
from tests.factories import OpportunityFactory
from tests.faults.hostile import HostileWorld
from tests.faults.test_web_security import ALL_KEYS, route_for

DATE_NAMES = ("date", "due_on", "_on", "_at", "expiry")
WIDEST = "widest"  # each input's max; without one, the largest its step admits in 18 digits (what a column holds)
WIDEST_BY_STEP = {"0.01": "9999999999999999.99", "0.0001": "99999999.9999", "0.000001": "999999999999.999999"}
ABSURD = [  # (number, date), sent together
    (WIDEST, "9999-12-01"),
    ("99999999999999999999999999.99", "9999-12-01"),
    ("-99999999999999999999", "0001-01-01"),
    ("1e400", "2026-02-30"),
    ("NaN", "99999-01-01"),
    ("0.000000001", "-2026-01-01"),
]
SKIPPED_ACTIONS = {"account_logout": "signing out would leave the rest of the walk signed out"}


@dataclass
class Form:
    action: str
    # (name, kind, value as rendered, the input's max if it has one else its step)
    fields: list[tuple[str, str, str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    """The POST forms of a page, with each field's name, kind (number, date or other) and rendered value."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url, self.forms, self._form, self._select = page_url, [], None, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = (
                Form(action=urljoin(self.page_url, a.get("action") or self.page_url))
                if (a.get("method", "").lower() == "post")
                else None
            )
            if self._form:
                self.forms.append(self._form)
        elif self._form is not None and a.get("name"):
            kind = _kind(tag, a["name"], a.get("type", ""), a.get("class", ""))
            if tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if tag == "input" and a.get("type") in ("submit", "button", "file"):
                return
            if tag == "select":
                self._select = [a["name"], kind, None]
                return
            value = a.get("value", "")
            if not value and (tag == "textarea" or a.get("type", "text") in ("text", "search", "tel", "url")):
                value = "Absurd"  # so an extra row with a number in it is a whole row, not one missing its text
            self._form.fields.append((a["name"], kind, value, a.get("max") or a.get("step", "")))
        elif tag == "option" and self._select is not None and (self._select[2] is None or "selected" in a):
            self._select[2] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.fields.append((self._select[0], self._select[1], self._select[2] or "", ""))
            self._select = None


def _kind(tag: str, name: str, input_type: str, css_class: str) -> str:
    """ "number" for number inputs and hidden ids, "date" for date inputs (and text inputs named like dates)."""
    lowered = name.lower().rsplit("-", 1)[-1]
    if tag != "input":
        return "other"
    if input_type == "date" or "vDateField" in css_class:
        return "date"
    if input_type == "number" or (input_type == "hidden" and lowered.endswith("_id")):
        return "number"
    if input_type in ("", "text") and any(part in lowered for part in DATE_NAMES):
        return "date"
    return "other"


def _post_forms(page_url: str, text: str) -> list[Form]:
    parser = _Forms(page_url)
    parser.feed(text)
    skipped = {reverse(name) for name in SKIPPED_ACTIONS}
    return [form for form in parser.forms if form.action.removeprefix("http://testserver") not in skipped]


def _absurd(form: Form, number: str, day: str) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, kind, value, bound in form.fields:
        if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")) or (
            name == "csrfmiddlewaretoken"
        ):
            sent = value  # the formset's bookkeeping stays as rendered, so the rows themselves are validated
        elif kind == "number" and number == WIDEST:
            sent = (
                bound
                if bound and bound not in WIDEST_BY_STEP and bound != "any"
                else WIDEST_BY_STEP.get(bound, "999999999999999999")
            )
        else:
            sent = {"number": number, "date": day}.get(kind, value)
        data.setdefault(name, []).append(sent)
    return data


NEW_PLAN = "opportunities:instalments of a won sale without a plan (its form makes one)"


def _url(world: HostileWorld, key: str) -> str:
    if key == NEW_PLAN:
        sale = OpportunityFactory(
            contact=world.contact,
            name="Plan me",
            outcome=Opportunity.Outcome.WON,
            closed_on=date(2026, 9, 1),
            value=Decimal("1000.00"),
            currency_code="GBP",
        )
        return reverse("opportunities:instalments", args=[sale.pk])
    return route_for(key).url(world, key)


@pytest.mark.django_db
@pytest.mark.parametrize("key", [key for key in ALL_KEYS if route_for(key)] + [NEW_PLAN])
def test_absurd_numbers_and_dates_posted_to_every_form_never_give_a_500(admin_client, hostile_world, key):
    """Every form on every page, sent back with numbers like 1e400, 99,999,999,999,999,999,999,999,999.99 and the
    largest each input admits (a quantity of 99,999,999.9999 at 9,999,999,999,999,999.99), and dates like
    9999-12-01, 0001-01-01 and 2026-02-30, answers with something other than a server error."""
    url = _url(hostile_world, key)
    page = admin_client.get(url)
    forms = _post_forms(url, page.text) if page.status_code == 200 else []

    answers = [
        (form.action, admin_client.post(form.action, _absurd(form, number, day)).status_code)
        for form in forms
        for number, day in ABSURD
    ]

    assert all(status < 500 for _, status in answers), answers


def test_the_walk_finds_the_forms_that_take_numbers_and_dates(admin_client, hostile_world):
    """The walk is not vacuous: it finds the quote and invoice forms' quantities, discounts and dates, and the
    instalment forms'."""
    quote_url = reverse("xero:quote_create", args=[hostile_world.opportunity.pk])
    edit_url = reverse("opportunities:instalments_edit", args=[hostile_world.won_opportunity.pk])
    invoice_url = reverse("xero:invoice_create", args=[hostile_world.won_opportunity.pk])

    kinds = {
        (name.rsplit("-", 1)[-1], kind)
        for url in (quote_url, edit_url, invoice_url)
        for form in _post_forms(url, admin_client.get(url).text)
        for name, kind, _, _ in form.fields
    }

    assert {
        ("quantity", "number"),
        ("unit_amount", "number"),
        ("date", "date"),
        ("expiry_date", "date"),
        ("amount", "number"),
        ("due_on", "date"),
        ("discount_rate", "number"),
        ("due_date", "date"),
    } <= kinds
    plan_form = _post_forms("/", admin_client.get(_url(hostile_world, NEW_PLAN)).text)
    assert {(name, kind) for form in plan_form for name, kind, _, _ in form.fields} >= {
        ("count", "number"),
        ("first_due_on", "date"),
    }
