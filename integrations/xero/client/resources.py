"""The accounting resources Capsync reads, as Xero's OpenAPI spec 16.1.0 describes their GET list calls.

One row per resource: its path (also the name of its list in the answer), its id field, its parser, the page size
Xero allows, the query parameters its list call takes, and how records are fetched by id. `XeroClient` reads every
resource through this table, and refuses a parameter that is not in its row: Xero ignores parameters it does not
know and answers with page 1, so sending one would read the wrong records (GET /CreditNotes has no `IDs`).
tests/xero/test_client_resources.py checks the rows against the vendored spec.
"""

from collections.abc import Callable
from dataclasses import dataclass

from integrations.xero import schemas

PAGE_SIZE = 1000  # Xero's maximum pageSize, on the nine resources whose list call takes it
QUOTES_PAGE_SIZE = 100  # Quotes take `page` only, at Xero's fixed 100 a page
# GUIDs per IDs/ContactIDs parameter. Each costs 39 characters of query (36 + an encoded comma); Xero runs on IIS,
# whose default query-string limit is 2,048 characters, and more than ~50 GUIDs in one list gave a 404 (Xero-Java
# #328, Xero-NetStandard #413), so 40 ids (~1.6 KB) leave room for the other parameters. When two id lists are
# sent together the budget is shared.
IDS_PER_CALL = 40


@dataclass(frozen=True)
class Resource[T]:
    """One accounting resource. `id_list` is the query parameter that takes a list of ids ("IDs"), or "" when the
    list call has none and records are fetched one at a time at `{path}/{id}`. `page_size` is None where Xero pages
    at its fixed 100 without a `pageSize` parameter. `filters` are the query parameters the list call takes
    besides `page` and `pageSize` (If-Modified-Since is a header)."""

    path: str
    id_field: str
    parse: Callable[[schemas.Record], T]
    page_size: int | None
    filters: frozenset[str]
    id_list: str = ""
    # False where the list call has no paging at all and answers with every record at once (the catalogue).
    paged: bool = True

    @property
    def summary_only(self) -> bool:
        """Whether Xero takes `summaryOnly=true` here (lighter records: see docs/xero.md, "Egress")."""
        return "summaryOnly" in self.filters


CONTACTS = Resource(
    path="Contacts",
    id_field="ContactID",
    parse=schemas.contact,
    page_size=PAGE_SIZE,
    id_list="IDs",
    filters=frozenset({"where", "order", "IDs", "includeArchived", "summaryOnly", "searchTerm"}),
)
INVOICES = Resource(
    path="Invoices",
    id_field="InvoiceID",
    parse=schemas.invoice,
    page_size=PAGE_SIZE,
    id_list="IDs",
    filters=frozenset(
        {
            "where",
            "order",
            "IDs",
            "InvoiceNumbers",
            "ContactIDs",
            "Statuses",
            "includeArchived",
            "createdByMyApp",
            "unitdp",
            "summaryOnly",
            "searchTerm",
        }
    ),
)
CREDIT_NOTES = Resource(
    path="CreditNotes",
    id_field="CreditNoteID",
    parse=schemas.credit_note,
    page_size=PAGE_SIZE,
    filters=frozenset({"where", "order", "unitdp"}),
)
PAYMENTS = Resource(
    path="Payments",
    id_field="PaymentID",
    parse=schemas.payment,
    page_size=PAGE_SIZE,
    filters=frozenset({"where", "order"}),
)
QUOTES = Resource(
    path="Quotes",
    id_field="QuoteID",
    parse=schemas.quote,
    page_size=None,
    filters=frozenset(
        {"DateFrom", "DateTo", "ExpiryDateFrom", "ExpiryDateTo", "ContactID", "Status", "order", "QuoteNumber"}
    ),
)
# The catalogue an invoice is made of: small lists Xero answers whole, without paging (spec: no `page` parameter).
ITEMS = Resource(
    path="Items",
    id_field="ItemID",
    parse=schemas.item,
    page_size=None,
    filters=frozenset({"where", "order", "unitdp"}),
    paged=False,
)
ACCOUNTS = Resource(
    path="Accounts",
    id_field="AccountID",
    parse=schemas.account,
    page_size=None,
    filters=frozenset({"where", "order"}),
    paged=False,
)
TAX_RATES = Resource(
    path="TaxRates",
    id_field="TaxType",
    parse=schemas.tax_rate,
    page_size=None,
    filters=frozenset({"where", "order"}),
    paged=False,
)
TRACKING_CATEGORIES = Resource(
    path="TrackingCategories",
    id_field="TrackingCategoryID",
    parse=schemas.tracking_category,
    page_size=None,
    filters=frozenset({"where", "order", "includeArchived"}),
    paged=False,
)
RESOURCES = (CONTACTS, INVOICES, CREDIT_NOTES, PAYMENTS, QUOTES, ITEMS, ACCOUNTS, TAX_RATES, TRACKING_CATEGORIES)
