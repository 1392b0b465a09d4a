"""Two indexes for the header search's email hits (search.selectors.email_match_rows), on PostgreSQL only.

- `search_contact_order_idx`: contacts in the order hits are listed (active first, then by name), so a query for
  one rank of address walks it and stops after the few it shows, instead of sorting every contact that matches.
- `search_email_address_prefix`: the exact and prefix ranks (`UPPER(address) = …` and `LIKE 'Q%'`) as a range of
  a B-tree. The trigram index (0001) answers them too, but for a prefix like "example.com", whose trigrams are in
  every address, it returns all the rows for a recheck.

Plain SQL, as in 0001: SQLite (`make demo`) needs neither, and `text_pattern_ops` is PostgreSQL's.
"""

from django.db import migrations

from search import pg_indexes

INDEXES = {
    "search_contact_order_idx": "contacts_contact (archived_at NULLS FIRST, name, id)",
    "search_email_address_prefix": "contacts_emailaddress (UPPER(address) text_pattern_ops)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_trigram_indexes"),
        ("contacts", "0005_invoice_recipients_and_payment_terms"),
    ]

    operations = [pg_indexes.indexes_operation(INDEXES)]
