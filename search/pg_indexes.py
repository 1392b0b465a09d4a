"""Indexes the search owns on other apps' tables, created by its migrations on PostgreSQL only (plain SQL: SQLite,
`make demo`, has no GIN, pg_trgm or text_pattern_ops, and the search falls back to plain `LIKE` there)."""

from django.db import migrations


def indexes_operation(indexes: dict[str, str]) -> migrations.RunPython:
    """A migration operation creating each index (name -> `table [USING method] (expression)`) on PostgreSQL,
    and dropping them when the migration is reversed."""

    def indexes_create(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, definition in indexes.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")

    def indexes_drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(indexes_create, indexes_drop, elidable=False)
