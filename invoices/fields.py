"""Model fields of the ledger."""

from typing import Any

from django.db import models


class XeroIdField(models.CharField):
    """A Xero identifier (a GUID), compared byte by byte.

    On PostgreSQL the column takes the "C" collation: the unique and composite indexes the sync writes for every
    invoice and payment then compare ids with memcmp instead of the locale's rules, which saved about a tenth of
    PostgreSQL's work per stored page of invoices (docs/BENCHMARKS.md, issue 18). Ids are hex digits and hyphens,
    so the byte order is the order a locale would give them, and equality is the same under any collation. SQLite's
    default comparison is already binary; the field adds nothing there.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters
