"""Two indexes for the header search's email hits (search.selectors.email_match_rows), on PostgreSQL only.

- `search_contact_order_idx`: contacts in the order hits are listed (active first, then by name), so a query for
  one rank of address walks it and stops after the few it shows, instead of sorting every contact that matches.
- `search_email_address_prefix`: the exact and prefix ranks (`UPPER(address) = …` and `LIKE 'Q%'`) as a range of
  a B-tree. The trigram index (0001) answers them too, but for a prefix like "example.com", whose trigrams are in
  every address, it returns all the rows for a recheck.

Plain SQL, as in 0001: SQLite (`make demo`) needs neither, and `text_pattern_ops` is PostgreSQL's.
"""

from django.db import migrations

INDEXES = {
    "search_contact_order_idx": "contacts_contact (archived_at NULLS FIRST, name, id)",
    "search_email_address_prefix": "contacts_emailaddress (UPPER(address) text_pattern_ops)",
}


def indexes_create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def indexes_drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_trigram_indexes"),
        ("contacts", "0005_invoice_recipients_and_payment_terms"),
    ]

    operations = [migrations.RunPython(indexes_create, indexes_drop, elidable=False)]
