"""Drop contacts.Note: activity 0002 copied its rows into activity.Note, and nothing has read it since.

Depends on that copy, so a database that still holds old notes copies them before the table goes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_contact_list_order_index"),
        ("activity", "0002_copy_contact_notes"),
    ]

    operations = [migrations.DeleteModel(name="Note")]
