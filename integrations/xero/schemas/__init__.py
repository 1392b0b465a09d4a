"""Xero's JSON becomes typed Python here and nowhere else.

Each parser takes the decoded JSON of one record (amounts already `Decimal`, see client._decode_json) and returns a
frozen dataclass, or raises SchemaError naming the record, so a malformed record can be quarantined while the rest
of its page is applied. Parsers raise nothing but SchemaError, whatever shape they are given.

Dates. Xero writes `/Date(<ms since the epoch>[+hhmm])/` (README section 4), JSON-escaped as `\\/Date(...)\\/`.
The milliseconds are UTC whatever the offset says: the offset only names the zone the value was shown in (.NET's
DataContractJsonSerializer format, and xero-python builds the same instant: `fromtimestamp(ms / 1000, tz=offset)`).
Date-only fields (`x-is-msdate`: Date, DueDate, FullyPaidOnDate, Payment Date, Quote ExpiryDate) are midnight UTC
of the calendar date; any other time there is refused rather than shifted to a neighbouring day.

Money. Decimal, never float. An amount Xero always sends is `None` when missing (we never invent a figure); only
where Xero leaves zero amounts out (a contact's `Balances`, absent while it has no invoices) is missing `Decimal(0)`.
"""

from integrations.xero.schemas.catalogue import (
    PaymentTerms,
    PaymentTermType,
    XeroAccount,
    XeroItem,
    XeroTaxRate,
    XeroTrackingCategory,
    XeroTrackingOption,
    account,
    document_lines,
    item,
    sales_terms,
    tax_rate,
    tracking_category,
)
from integrations.xero.schemas.fields import (
    ContactStatus,
    InvoiceStatus,
    InvoiceType,
    PaymentStatus,
    QuoteStatus,
    Record,
    SchemaError,
    msdate_date,
    msdate_datetime,
)
from integrations.xero.schemas.identity import (
    Organisation,
    TenantConnection,
    TokenSet,
    iana_timezone,
    organisation,
    tenant_connections,
    token_set,
)
from integrations.xero.schemas.pages import (
    Page,
    RecordError,
    only,
    page_of,
)
from integrations.xero.schemas.records import (
    XeroAddress,
    XeroAllocation,
    XeroContact,
    XeroContactPerson,
    XeroCreditNote,
    XeroInvoice,
    XeroPayment,
    XeroPhone,
    XeroQuote,
    contact,
    credit_note,
    invoice,
    payment,
    quote,
)
from integrations.xero.schemas.webhooks import (
    WebhookEvent,
    webhook_events,
)
from integrations.xero.schemas.writes import (
    ContactWriteResult,
    InvoiceDraft,
    InvoiceLine,
    QuoteDraft,
    QuoteLine,
    contact_write_results,
    document_line,
    invoice_draft_json,
    quote_draft_json,
)

__all__ = [
    "ContactStatus",
    "ContactWriteResult",
    "InvoiceDraft",
    "InvoiceLine",
    "InvoiceStatus",
    "InvoiceType",
    "Organisation",
    "Page",
    "PaymentStatus",
    "PaymentTermType",
    "PaymentTerms",
    "QuoteDraft",
    "QuoteLine",
    "QuoteStatus",
    "Record",
    "RecordError",
    "SchemaError",
    "TenantConnection",
    "TokenSet",
    "WebhookEvent",
    "XeroAccount",
    "XeroAddress",
    "XeroAllocation",
    "XeroContact",
    "XeroContactPerson",
    "XeroCreditNote",
    "XeroInvoice",
    "XeroItem",
    "XeroPayment",
    "XeroPhone",
    "XeroQuote",
    "XeroTaxRate",
    "XeroTrackingCategory",
    "XeroTrackingOption",
    "account",
    "contact",
    "contact_write_results",
    "credit_note",
    "document_line",
    "document_lines",
    "iana_timezone",
    "invoice",
    "invoice_draft_json",
    "item",
    "msdate_date",
    "msdate_datetime",
    "only",
    "organisation",
    "page_of",
    "payment",
    "quote",
    "quote_draft_json",
    "sales_terms",
    "tax_rate",
    "tenant_connections",
    "token_set",
    "tracking_category",
    "webhook_events",
]
