"""`{% load xero_links %}` then `{% xero_url org.short_code "quote" row.xero_id as link %}`: a deep link that opens the
document in the right Xero organisation ("" without a short code, so templates show plain text instead).

Xero documents deep links as organisationlogin with the organisation's ShortCode and a redirect path; quotes are not
in its list, so their path follows the purchase-order form (docs/xero.md).
"""

from urllib.parse import quote

from django import template

register = template.Library()

_PATHS = {
    "invoice": "/AccountsReceivable/View.aspx?InvoiceID=",
    "credit_note": "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=",
    "quote": "/Accounts/Receivable/Quotes/View/",
}


@register.simple_tag
def xero_url(short_code: str, kind: str, xero_id: str) -> str:
    """The go.xero.com link to one document; raises KeyError for a kind it does not know."""
    if not short_code:
        return ""
    return (f"https://go.xero.com/organisationlogin/default.aspx?shortcode={quote(short_code, safe='/')}"
            f"&redirecturl={_PATHS[kind]}{quote(xero_id, safe='/')}")
