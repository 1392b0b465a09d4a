"""Copy the notes kept on contacts before the activity app (contacts.Note) into activity.Note, once.

contacts 0004 then drops contacts.Note.
"""

from django.db import migrations


def copy_notes(apps, schema_editor):
    OldNote = apps.get_model("contacts", "Note")
    Note = apps.get_model("activity", "Note")
    Note.objects.bulk_create(
        Note(kind="note", contact_id=old.contact_id, author_id=old.author_id, body=old.body or "(empty note)",
             happened_at=old.created_at, created_at=old.created_at, updated_at=old.created_at)
        for old in OldNote.objects.order_by("pk").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [("activity", "0001_initial"), ("contacts", "0001_initial")]

    operations = [migrations.RunPython(copy_notes, migrations.RunPython.noop)]
