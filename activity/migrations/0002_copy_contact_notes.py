"""Copy the notes kept on contacts before the activity app (contacts.Note) into activity.Note, once.

contacts.Note is left in place (unused) so this lane adds no contacts migration beside the parallel contact-editing
work; dropping it is a one-line follow-up after the merge.
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
