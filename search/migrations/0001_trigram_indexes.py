"""pg_trgm and the GIN trigram indexes the header search reads, on PostgreSQL only.

The indexes sit on other apps' tables but belong to search, so they are plain SQL here rather than model `Meta`
indexes: SQLite (`make demo`) has no GIN or pg_trgm, and the search falls back to plain `LIKE` there. Each
expression is written exactly as search/selectors.py queries it (`UPPER(name)` is what Django's `icontains` and the
trigram lookup compare; the phone index holds the number's digits), or PostgreSQL would not use it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from search import pg_indexes

INDEXES = {
    "search_contact_name_trgm": "contacts_contact USING gin (UPPER(name) gin_trgm_ops)",
    "search_email_address_trgm": "contacts_emailaddress USING gin (UPPER(address) gin_trgm_ops)",
    "search_phone_digits_trgm": "contacts_phonenumber USING gin (REGEXP_REPLACE(number, '[^0-9]', '', 'g') gin_trgm_ops)",
    "search_opportunity_name_trgm": "opportunities_opportunity USING gin (UPPER(name) gin_trgm_ops)",
    "search_invoice_number_trgm": "invoices_invoice USING gin (UPPER(number) gin_trgm_ops)",
    "search_quote_number_trgm": "invoices_quote USING gin (UPPER(number) gin_trgm_ops)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_contact_archived_at"),
        ("opportunities", "0003_opportunity_close_reason"),
        ("invoices", "0005_drop_connection_fks"),
    ]

    # TrigramExtension does nothing on databases other than PostgreSQL.
    operations = [TrigramExtension(), pg_indexes.indexes_operation(INDEXES)]
