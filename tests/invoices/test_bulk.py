"""invoices.bulk.update_from_values: many rows' own values in one UPDATE ... FROM (VALUES ...)."""

import pytest

from contacts.models import Contact
from invoices import bulk
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_each_matched_row_gets_its_own_values_and_the_constants_and_others_are_untouched():
    first, second, untouched = (OrganisationFactory(name=name) for name in ("First", "Second", "Untouched"))

    updated = bulk.update_from_values(
        model=Contact,
        match="id",
        columns=["name"],
        rows=[(first.pk, "First Ltd"), (second.pk, "Second Ltd")],
        constants={"job_title": "Customer"},
    )

    assert updated == 2
    assert list(Contact.objects.order_by("pk").values_list("name", "job_title")) == [
        ("First Ltd", "Customer"),
        ("Second Ltd", "Customer"),
        (untouched.name, ""),
    ]


def test_changed_only_skips_rows_that_already_hold_the_values_and_where_narrows(monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)  # three rows: two statements
    contacts = [OrganisationFactory(name=name) for name in ("A", "B", "C")]
    rows = [(contacts[0].pk, "A"), (contacts[1].pk, "B2"), (contacts[2].pk, "C2")]

    updated = bulk.update_from_values(
        model=Contact,
        match="id",
        columns=["name"],
        rows=rows,
        changed_only=True,
        where=f"{Contact._meta.db_table}.id <> %s",
        where_params=[contacts[2].pk],
    )

    assert updated == 1
    assert list(Contact.objects.order_by("pk").values_list("name", flat=True)) == ["A", "B2", "C"]
