"""The receivable summary's trigger functions write their keys in key order (see 0009, which now creates them so).

The sync stores invoice pages on two connections at once (integrations/xero/sync/writers.py); two pages that owe
on the same keys then lock the same summary rows, and locking them in one order keeps them from deadlocking.
Reversing leaves the ordered functions in place: the order changes no sum.
"""

from importlib import import_module

from django.db import migrations

summary = import_module("invoices.migrations.0009_receivable_summary")


def functions_replace(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # the demo's SQLite has no summary
    for name in summary.FUNCTIONS:
        schema_editor.execute(summary.function_sql(name))


class Migration(migrations.Migration):
    dependencies = [("invoices", "0010_drop_covered_indexes")]

    operations = [migrations.RunPython(functions_replace, migrations.RunPython.noop)]
