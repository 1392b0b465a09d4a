"""Notes written before the activity app (contacts.Note) come along into the history, and then their old table goes."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("activity", "0001_initial")]
AFTER = [("activity", "0002_copy_contact_notes")]
DROPPED = [("contacts", "0004_delete_note")]
WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_contact_notes_are_copied_into_the_history_with_their_author_and_date():
    old = _migrate(BEFORE)
    try:
        user = old.get_model("accounts", "User").objects.create(email="writer@example.com")
        team = old.get_model("accounts", "Team").objects.create(name="Old team")
        contact = old.get_model("contacts", "Contact").objects.create(kind="organisation", name="Acme", team=team)
        old_note = old.get_model("contacts", "Note").objects.create(contact=contact, author=user, body="Met at a fair")
        old.get_model("contacts", "Note").objects.filter(pk=old_note.pk).update(created_at=WHEN)

        new = _migrate(AFTER)

        copied = new.get_model("activity", "Note").objects.get()
        assert (
            copied.contact_id,
            copied.author_id,
            copied.kind,
            copied.body,
            copied.happened_at,
            copied.created_at,
        ) == (contact.pk, user.pk, "note", "Met at a fair", WHEN, WHEN)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_old_notes_table_is_dropped_only_after_its_notes_are_copied():
    old = _migrate(BEFORE)
    try:
        team = old.get_model("accounts", "Team").objects.create(name="Old team")
        contact = old.get_model("contacts", "Contact").objects.create(kind="organisation", name="Acme", team=team)
        old.get_model("contacts", "Note").objects.create(contact=contact, body="Met at a fair")
        assert "contacts_note" in connection.introspection.table_names()

        new = _migrate(DROPPED)

        assert "contacts_note" not in connection.introspection.table_names()
        assert list(new.get_model("activity", "Note").objects.values_list("contact_id", "body")) == [
            (contact.pk, "Met at a fair")
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
