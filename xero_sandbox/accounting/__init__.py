"""Xero's accounting API (``/api.xro/2.0/...``) for one sandbox organisation.

Infra does everything around ``handle()``: auth, tenant and scope checks, rate limits, faults, the envelope, JSON or
XML serialisation and webhook delivery of the returned events. ``handle()`` only reads and changes ``TenantData``.

Choices made where Xero's behaviour is unverified (sources in docs/xero.md):

- Lists default to ``UpdatedDateUTC`` ascending, then id, so pages are stable. ``If-Modified-Since`` keeps records
  whose ``UpdatedDateUTC`` is strictly later, compared to the millisecond; an unparseable header is ignored.
- ``pagination`` appears only when ``page`` is sent (on the nine paged endpoints). A page past the end is ``[]``.
  Without ``page``, Invoices, CreditNotes and Quotes lists carry ``LineItems: []``. ``summaryOnly`` pages as usual.
- ``where``/``order`` errors: 400 ``QueryParseException`` (ErrorNumber 16). A missing field in ``where`` is null.
- 404 is the plain text "The resource you're looking for cannot be found".
- A 400 ValidationException lists only the failing elements (an empty GUID where no id was assigned); the valid
  siblings are saved. Unreadable bodies: 400 ``PostDataInvalidException`` (ErrorNumber 14).
- ``Idempotency-Key``: same key + method + path + body within 24 h replays the first answer; a different body is a
  400 ValidationException; keys over 128 characters are a 400.
- Tax: each line at its tax type's EffectiveRate from the organisation's TaxRates (defaults.py); lines are checked
  against the catalogue (accounting/lines.py).
- VOIDED/DELETED documents show ``AmountDue`` 0 (as in the spec example). Voiding needs payments and allocations
  removed first. AUTHORISED invoices need a ``DueDate``. ``createdByMyApp`` and Invoices'
  ``includeArchived`` are accepted and ignored.
"""

from datetime import datetime

from xero_sandbox.accounting import (
    allocations,
    catalogue,
    contacts,
    invoices,
    listing,
    payments,
    quotes,
    settings,
    spec_facts,
    xmlbody,
)
from xero_sandbox.accounting.results import ApiResult, RequestInvalid, not_found, not_implemented
from xero_sandbox.accounting.settings import organisation_record
from xero_sandbox.accounting.writes import idempotent
from xero_sandbox.store import Event, TenantData

__all__ = [
    "ApiResult",
    "Event",
    "canonical_path",
    "canonical_resource",
    "handle",
    "organisation_record",
    "required_scopes",
]

_SCOPE_FAMILIES = {
    "Contacts": ("accounting.contacts", None),
    "Invoices": ("accounting.invoices", "accounting.transactions"),
    "CreditNotes": ("accounting.invoices", "accounting.transactions"),
    "Quotes": ("accounting.invoices", "accounting.transactions"),
    "Items": ("accounting.invoices", "accounting.settings"),
    "Payments": ("accounting.payments", "accounting.transactions"),
    "Organisation": ("accounting.settings", None),
    "Currencies": ("accounting.settings", None),
    "Accounts": ("accounting.settings", None),
    "TaxRates": ("accounting.settings", None),
    "TrackingCategories": ("accounting.settings", None),
    "BrandingThemes": ("accounting.settings", None),
}


# Xero's routing ignores the case of path segments, and serves GET /Organisations (pyxero and tap-xero use the
# plural) as GET /Organisation. Sources in docs/xero.md, "Sandbox fidelity found by real clients".
_RESOURCE_NAMES = {name.lower(): name for name in _SCOPE_FAMILIES} | {"organisations": "Organisation"}
_SUBRESOURCE_NAMES = {"allocations": "Allocations"}


def canonical_resource(name: str) -> str:
    """Xero's spelling of a resource name given in any case (``contacts`` -> ``Contacts``, ``Organisations`` ->
    ``Organisation``); an unknown name comes back unchanged."""
    return _RESOURCE_NAMES.get(name.lower(), name)


def canonical_path(path: list[str]) -> list[str]:
    """Path segments after /api.xro/2.0/ with Xero's spelling of resource and sub-resource names (ids untouched)."""
    if not path:
        return path
    rest = [
        _SUBRESOURCE_NAMES.get(segment.lower(), segment) if index % 2 else segment
        for index, segment in enumerate(path[1:])
    ]
    return [canonical_resource(path[0]), *rest]


def _operation_key(method: str, path: list[str]) -> str:
    """The spec operation (``GET /CreditNotes/{}/Allocations``) a canonical path stands for."""
    template = "/".join(segment if index % 2 == 0 else "{}" for index, segment in enumerate(path))
    return f"{'GET' if method == 'HEAD' else method} /{template}"


def _spec_parameters(
    method: str, path: list[str], query: dict[str, list[str]], headers: dict[str, str]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The query parameters (and If-Modified-Since) that Xero's spec lists for the operation; Xero ignores any
    other, so handlers never see them. An operation missing from the spec keeps everything (it answers 404/501)."""
    operation = spec_facts.OPERATIONS.get(_operation_key(method, path))
    if operation is None:
        return query, headers
    allowed_query = {name.lower() for name in operation[0]}
    allowed_headers = {name.lower() for name in operation[1]}
    kept_query = {name: values for name, values in query.items() if name.lower() in allowed_query}
    kept_headers = dict(headers)
    if "if-modified-since" not in allowed_headers:
        kept_headers.pop("if-modified-since", None)
    return kept_query, kept_headers


def required_scopes(*, method: str, resource: str) -> set[str]:
    """Any one of the returned scopes grants access. resource is the first path segment after /api.xro/2.0/ (e.g.
    "Contacts"). GET accepts the .read or the write scope. Granular scopes: Contacts -> accounting.contacts[.read];
    Invoices/CreditNotes/Quotes/Items -> accounting.invoices[.read]; Payments -> accounting.payments[.read];
    Organisation/Currencies/Accounts/TaxRates/TrackingCategories/BrandingThemes -> accounting.settings[.read]
    (Items also); also accept the deprecated broad accounting.transactions[.read] where Xero still does. An unknown
    resource returns an empty set."""
    family = _SCOPE_FAMILIES.get(canonical_resource(resource))
    if family is None:
        return set()
    scopes = {name for name in family if name}
    if method.upper() in ("GET", "HEAD"):
        scopes |= {f"{name}.read" for name in family if name}
    return scopes


def handle(
    *,
    data: TenantData,
    method: str,
    path: list[str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
    now: datetime,
    app_name: str,
) -> ApiResult:
    """path = segments after /api.xro/2.0/ (e.g. ["Invoices"], ["Invoices","<id>"], ["CreditNotes","<id>",
    "Allocations"]). headers lower-cased keys (if-modified-since, idempotency-key, content-type...). now = sandbox
    clock (aware UTC). Thread safety: infra holds a per-tenant lock around handle()."""
    del app_name  # createdByMyApp is not modelled: every record counts as created by the calling app
    method = method.upper()
    path = canonical_path(path)
    query, headers = _spec_parameters(method, path, query, headers)
    try:
        if method in ("PUT", "POST"):
            document = xmlbody.xml_document(headers=headers, body=body)
            if document is not None and path:
                body = xmlbody.as_json_body(document, collection=path[2] if len(path) >= 3 else path[0])
            return idempotent(
                data=data,
                method=method,
                path=path,
                headers=headers,
                body=body,
                now=now,
                run=lambda: _route(data, method, path, query, headers, body, now),
            )
        return _route(data, method, path, query, headers, body, now)
    except RequestInvalid as exc:
        return exc.result


def _route(
    data: TenantData,
    method: str,
    path: list[str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
    now: datetime,
) -> ApiResult:
    if not path:
        return not_found()
    resource, rest = path[0], path[1:]
    ident = rest[0] if rest else None
    reads = method in ("GET", "HEAD")
    if resource == "Organisation" and not rest:
        return settings.get_organisation(data=data) if reads else not_implemented()
    if resource == "Currencies" and not rest:
        if reads:
            return settings.list_currencies(data=data, query=query)
        if method == "PUT":
            return settings.write_currencies(data=data, query=query, body=body, now=now)
        return not_implemented()
    if reads and len(rest) <= 1:
        catalogue_result = _route_catalogue(data, resource, ident, query, headers)
        if catalogue_result is not None:
            return catalogue_result
    if resource == "Items" and len(rest) <= 1 and ((method == "PUT" and ident is None) or method == "POST"):
        return catalogue.write_items(data=data, method=method, item_id=ident, query=query, body=body, now=now)
    if resource == "Contacts" and len(rest) <= 1:
        if reads:
            if ident is None:
                return contacts.list_contacts(data=data, query=query, headers=headers, now=now)
            return contacts.get_contact(data=data, ref=ident, now=now)
        if (method == "PUT" and ident is None) or method == "POST":
            return contacts.write_contacts(data=data, method=method, contact_id=ident, query=query, body=body, now=now)
    if resource in ("Invoices", "CreditNotes") and len(rest) <= 1:
        if reads:
            if ident is None:
                return invoices.list_documents(data=data, collection=resource, query=query, headers=headers)
            unit_dp = listing.query_int(query, "unitdp") or 2
            return invoices.get_document(data=data, collection=resource, ref=ident, unit_dp=unit_dp)
        if (method == "PUT" and ident is None) or method == "POST":
            return invoices.write_documents(
                data=data, collection=resource, method=method, document_id=ident, query=query, body=body, now=now
            )
    if resource == "CreditNotes" and len(rest) == 2 and rest[1] == "Allocations" and method in ("PUT", "POST"):
        return allocations.write_allocations(data=data, credit_note_id=rest[0], query=query, body=body, now=now)
    if resource == "Payments" and len(rest) <= 1:
        if reads:
            if ident is None:
                return payments.list_payments(data=data, query=query, headers=headers)
            return payments.get_payment(data=data, payment_id=ident)
        if (method == "PUT" and ident is None) or method == "POST":
            return payments.write_payments(data=data, method=method, payment_id=ident, query=query, body=body, now=now)
    if resource == "Quotes" and len(rest) <= 1:
        if reads:
            if ident is None:
                return quotes.list_quotes(data=data, query=query, headers=headers)
            return quotes.get_quote(data=data, quote_id=ident)
        if (method == "PUT" and ident is None) or method == "POST":
            return quotes.write_quotes(data=data, method=method, quote_id=ident, query=query, body=body, now=now)
    return not_found()


def _route_catalogue(
    data: TenantData, resource: str, ident: str | None, query: dict[str, list[str]], headers: dict[str, str]
) -> ApiResult | None:
    """GETs of the catalogue (Items, Accounts, TaxRates, TrackingCategories, BrandingThemes), or None."""
    if resource == "Items":
        if ident is None:
            return catalogue.list_items(data=data, query=query, headers=headers)
        return catalogue.get_item(data=data, ref=ident, query=query)
    if resource == "Accounts":
        if ident is None:
            return catalogue.list_accounts(data=data, query=query, headers=headers)
        return catalogue.get_account(data=data, account_id=ident)
    if resource == "TaxRates":
        if ident is None:
            return catalogue.list_tax_rates(data=data, query=query)
        return catalogue.get_tax_rate(data=data, tax_type=ident)
    if resource == "TrackingCategories":
        if ident is None:
            return catalogue.list_tracking_categories(data=data, query=query)
        return catalogue.get_tracking_category(data=data, category_id=ident)
    if resource == "BrandingThemes":
        if ident is None:
            return catalogue.list_branding_themes(data=data)
        return catalogue.get_branding_theme(data=data, theme_id=ident)
    return None
