"""`{% load xero_links %}` then `{% xero_url org.short_code row.type row.xero_id as link %}`: a deep link that opens
the document in the right Xero organisation ("" without a short code, so templates show plain text instead).

Xero documents deep links as organisationlogin with the organisation's ShortCode and a redirect path, one per
document type (developer.xero.com/documentation/api-guides/deep-link-xero): sales invoices under
AccountsReceivable, bills (ACCPAY) and supplier credit notes (ACCPAYCREDIT) under AccountsPayable. Quotes are not
in its list, so their path follows the purchase-order form (docs/xero.md).
"""

from urllib.parse import quote

from django import template

register = template.Library()

_PATHS = {
    "ACCREC": "/AccountsReceivable/View.aspx?InvoiceID=",
    "ACCPAY": "/AccountsPayable/Edit.aspx?InvoiceID=",
    "ACCRECCREDIT": "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=",
    "ACCPAYCREDIT": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID=",
    "quote": "/Accounts/Receivable/Quotes/View/",
}
# The kinds the tag took before it knew document types: a sales invoice and a sales credit note.
_PATHS |= {"invoice": _PATHS["ACCREC"], "credit_note": _PATHS["ACCRECCREDIT"]}


@register.simple_tag
def xero_url(short_code: str, kind: str, xero_id: str) -> str:
    """The go.xero.com link to one document; `kind` is its Xero type (ACCREC, ACCPAY, ACCRECCREDIT, ACCPAYCREDIT)
    or "quote". Raises KeyError for a kind it does not know."""
    if not short_code:
        return ""
    return (
        f"https://go.xero.com/organisationlogin/default.aspx?shortcode={quote(short_code, safe='/')}"
        f"&redirecturl={_PATHS[kind]}{quote(xero_id, safe='/')}"
    )
