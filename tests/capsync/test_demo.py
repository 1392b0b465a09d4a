from datetime import date

import pytest

from accounts.models import Team, User
from capsync import demo
from contacts.models import Contact, EmailAddress
from contacts.selectors import contacts_visible_to
from opportunities.models import Opportunity

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "teams": Team.objects.count(),
        "contacts": Contact.objects.count(),
        "emails": EmailAddress.objects.count(),
        "opportunities": Opportunity.objects.count(),
    }


def test_demo_loader_creates_a_browsable_crm():
    demo.demo_data_load(today=date(2026, 11, 25))

    counts = _counts()
    assert counts["contacts"] >= 50
    assert counts["opportunities"] >= 30
    assert User.objects.get(email=demo.DEMO_ADMIN_EMAIL).check_password(demo.DEMO_PASSWORD)


def test_demo_loader_run_twice_creates_no_duplicates():
    demo.demo_data_load(today=date(2026, 11, 25))
    first = _counts()

    demo.demo_data_load(today=date(2026, 11, 26))

    assert _counts() == first


def test_demo_users_see_only_their_team():
    demo.demo_data_load(today=date(2026, 11, 25))
    pacific_member = User.objects.get(email="mere@example.com")

    teams = set(contacts_visible_to(user=pacific_member).values_list("team__name", flat=True))

    assert teams == {"Pacific"}
