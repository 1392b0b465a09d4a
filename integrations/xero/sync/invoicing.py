"""Sales invoices made in Xero from a won opportunity ("Create invoice in Xero", "Invoice this quote", and an
instalment plan's invoices), once per submission, through the request mechanism quotes use (`creates.py`).

The invoice carries a reference naming its opportunity (`OPP-<id>`, or `OPP-<id>-<n>` for an instalment, see
docs/xero.md "Instalment references"), which is how the ledger, the opportunity page and the history tie it back to
its opportunity. It is mirrored into the ledger from Xero's answer at once, so it shows before the next sync.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from contacts.models import Contact
from integrations.xero import auth, client, schemas, selectors
from integrations.xero.models import CreateRequest, XeroConnection
from integrations.xero.sync import creates
from integrations.xero.sync.invoices import invoices_apply
from integrations.xero.sync.quotes import quotes_apply
from invoices import catalogue, terms
from invoices.models import Invoice, Organisation, Quote
from invoices.quotes import opportunity_reference
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_detail
from opportunities.services import REFERENCE_PATTERN

InvoiceLineInput = schemas.InvoiceLine  # one line as given: description, quantity, unit price, codes, discount
InvoiceRefused = creates.DocumentRefused  # Xero's validation messages: nothing was made
SubmissionMismatch = creates.SubmissionMismatch
STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


class NotWon(Exception):
    """Only a won opportunity is invoiced."""


class OrganisationNotAllowed(Exception):
    """The organisation picked is not one this contact's invoices may be made in."""


class InvoiceAlreadyExists(Exception):
    """The reference already names a live invoice of the opportunity, and the user did not ask for another."""

    def __init__(self, invoices: list[Invoice]) -> None:
        super().__init__(f"The opportunity already has {len(invoices)} invoice(s) with this reference.")
        self.invoices = invoices


def _line_json(line: schemas.InvoiceLine) -> dict:
    return {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit_amount": str(line.unit_amount),
        "item_code": line.item_code,
        "account_code": line.account_code,
        "tax_type": line.tax_type,
        "discount_rate": None if line.discount_rate is None else str(line.discount_rate),
        "tracking": [list(pair) for pair in line.tracking],
    }


def _line_of(data: dict) -> schemas.InvoiceLine:
    return schemas.InvoiceLine(
        description=data["description"],
        quantity=Decimal(data["quantity"]),
        unit_amount=Decimal(data["unit_amount"]),
        item_code=data["item_code"],
        account_code=data["account_code"],
        tax_type=data["tax_type"],
        discount_rate=None if data["discount_rate"] is None else Decimal(data["discount_rate"]),
        tracking=tuple((name, option) for name, option in data["tracking"]),
    )


def _invoice_send(xero: client.XeroClient, request: CreateRequest, xero_contact_id: str) -> schemas.XeroInvoice:
    form = request.form
    draft = schemas.InvoiceDraft(
        contact_id=xero_contact_id,
        reference=form["reference"],
        status=form["status"],
        date=date.fromisoformat(form["date"]),
        due_date=date.fromisoformat(form["due_date"]) if form["due_date"] else None,
        line_amount_types=form["line_amount_types"],
        currency_code=form["currency_code"],
        lines=tuple(_line_of(line) for line in form["lines"]),
    )
    return xero.invoice_create(schemas.invoice_draft_json(draft), idempotency_key=request.idempotency_key)


def _invoice_store(request: CreateRequest, made: schemas.XeroInvoice, now: datetime) -> Invoice:
    invoices_apply(connection_id=request.connection_id, invoices=[made], now=now, durable=True)
    return Invoice.objects.get(organisation_id=request.connection.organisation_id, xero_id=made.invoice_id)


INVOICE_MAKER = creates.Maker(kind=CreateRequest.Kind.INVOICE, noun="invoice", send=_invoice_send, store=_invoice_store)


def _reference_check(reference: str, *, opportunity_id: int) -> None:
    found = REFERENCE_PATTERN.fullmatch(reference.strip())
    if found is None or int(found.group(1)) != opportunity_id:
        raise ValueError(f"An invoice of opportunity {opportunity_id} is referenced OPP-{opportunity_id}[-<n>]")


def invoice_create(
    *,
    opportunity_id: int,
    connection_id: int,
    lines: Sequence[schemas.InvoiceLine],
    status: str,
    due_on: date | None,
    reference: str | None,
    submission_key: uuid.UUID,
    requested_by: int,
    issued_on: date | None = None,
    line_amount_types: str = "Exclusive",
    another_confirmed: bool = False,
    identity: client.XeroIdentity | None = None,
    clock: Callable[[], datetime] = timezone.now,
) -> Invoice:
    """Make (or, for a submission key seen before, return) the sales invoice of this submission in Xero, and
    mirror it in the ledger.

    `requested_by` is a user id; the opportunity must be visible to them and won. `reference` defaults to
    `OPP-<opportunity id>` and must name the opportunity (`OPP-<id>` or `OPP-<id>-<n>`, ValueError otherwise).
    `issued_on` defaults to today in the organisation's time zone; the currency is the opportunity's. A line's
    empty account and tax type are the item's, else the organisation's options (`lines_coded`). A key seen
    before reuses its first submission, whatever the arguments say now.

    Raises Opportunity.DoesNotExist (not visible), NotWon, OrganisationNotAllowed, InvoiceAlreadyExists (a new
    submission while a live invoice has this reference and `another_confirmed` is False), SubmissionMismatch,
    InvoiceRefused (Xero's validation messages; nothing was made or kept and the submission is spent), or a
    client.XeroError when Xero could not be reached or gave no answer (the same key may be sent again: it will not
    make a second invoice).
    """
    if status not in STATUSES or line_amount_types not in LINE_AMOUNT_TYPES or not lines:
        raise ValueError("status, line_amount_types or lines are not what Xero takes")
    user = User.objects.get(pk=requested_by)
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    reference = reference or opportunity_reference(opportunity.pk)
    _reference_check(reference, opportunity_id=opportunity.pk)

    def check_new() -> None:
        if opportunity.outcome != Opportunity.Outcome.WON:
            raise NotWon("Only a won opportunity can be invoiced.")
        allowed = {c.pk for c in selectors.quote_organisations(contact_id=opportunity.contact_id, user=user)}
        if connection_id not in allowed:
            raise OrganisationNotAllowed("Pick one of the Xero organisations offered.")
        live = list(
            Invoice.objects.filter(
                organisation__xero_connection__pk=connection_id,
                type=Invoice.Type.ACCREC,
                reference=reference,
                status__in=("DRAFT", "SUBMITTED", "AUTHORISED", "PAID"),
            )
        )
        if live and not another_confirmed:
            raise InvoiceAlreadyExists(live)

    day = issued_on or organisation_today(connection_id=connection_id, now=clock())
    lines = lines_coded(lines, connection_id=connection_id)
    form = {
        "reference": reference,
        "status": status,
        "date": day.isoformat(),
        "due_date": due_on.isoformat() if due_on else None,
        "line_amount_types": line_amount_types,
        "currency_code": opportunity.currency_code,
        "lines": [_line_json(line) for line in lines],
    }
    request = creates.request_open(
        kind=CreateRequest.Kind.INVOICE,
        submission_key=submission_key,
        opportunity=opportunity,
        user=user,
        connection_id=connection_id,
        form=form,
        check_new=check_new,
        clock=clock,
    )
    invoice = creates.request_send(
        request_id=request.pk,
        maker=INVOICE_MAKER,
        identity=identity or client.identity_from_settings(),
        clock=clock,
    )
    assert isinstance(invoice, Invoice)
    return invoice


def quote_invoiced(
    *, quote_id: int, identity: client.XeroIdentity, clock: Callable[[], datetime] = timezone.now
) -> Quote:
    """Mark an accepted quote INVOICED in Xero (after "Invoice this quote" made its invoice) and mirror the answer.
    Two calls; a quote already INVOICED is sent again unchanged, so a retry is safe.

    Raises Quote.DoesNotExist, XeroConnection.DoesNotExist, or a client.XeroError (XeroValidationError when Xero
    refuses the transition, e.g. the quote is no longer ACCEPTED there)."""
    quote = Quote.objects.get(pk=quote_id)
    connection = XeroConnection.objects.get(organisation_id=quote.organisation_id)
    xero = auth.client_for(connection=connection, identity=identity, clock=clock)
    made = xero.quote_status_set(quote.xero_id, status=Quote.Status.INVOICED)
    quotes_apply(connection_id=connection.pk, quotes=[made], now=clock())
    quote.refresh_from_db()
    return quote


# --- what the form starts from ----------------------------------------------------------------------------------


def quote_lines(
    *, quote_id: int, identity: client.XeroIdentity, clock: Callable[[], datetime] = timezone.now
) -> list[schemas.InvoiceLine]:
    """The line items of a mirrored quote, read from Xero (the mirror keeps no lines): one call.

    Raises Quote.DoesNotExist, XeroConnection.DoesNotExist, or a client.XeroError."""
    quote = Quote.objects.get(pk=quote_id)
    connection = XeroConnection.objects.select_related("organisation").get(organisation_id=quote.organisation_id)
    xero = auth.client_for(connection=connection, identity=identity, clock=clock)
    return xero.quote_lines(quote.xero_id)


def organisation_today(*, connection_id: int, now: datetime) -> date:
    """Today in the organisation's time zone (UTC when unknown)."""
    zone = XeroConnection.objects.values_list("organisation__timezone", flat=True).get(pk=connection_id)
    return now.astimezone(ZoneInfo(zone or "UTC")).date()


@dataclass(frozen=True)
class DueDate:
    due_on: date | None
    source: str  # how it was worked out, for the form ("" when no terms are known)


def due_date_default(*, connection_id: int, contact_id: int, issued_on: date) -> DueDate:
    """The due date the contact's payment terms give (the CRM contact's, their one home, which field ownership
    keeps in step with Xero's), else the organisation's, else none."""
    connection = XeroConnection.objects.select_related("organisation").get(pk=connection_id)
    own = Contact.objects.filter(pk=contact_id).values_list("payment_terms_day", "payment_terms_type").first()
    organisation: Organisation = connection.organisation
    if own is not None and own[0] is not None and own[1]:
        day, kind, whose = own[0], own[1], "the contact's terms"
    elif organisation.sales_terms_type and organisation.sales_terms_day is not None:
        day, kind, whose = organisation.sales_terms_day, organisation.sales_terms_type, "the organisation's terms"
    else:
        return DueDate(due_on=None, source="")
    return DueDate(
        due_on=terms.due_date(issued_on=issued_on, day=day, terms_type=kind),
        source=f"{whose}: {terms.terms_label(day=day, terms_type=kind)}",
    )


def lines_coded(lines: Sequence[schemas.InvoiceLine], *, connection_id: int) -> list[schemas.InvoiceLine]:
    """The lines with every empty account and tax type filled as `line_defaults` says (the item's, else the
    organisation's options); a code given is kept."""
    connection = XeroConnection.objects.get(pk=connection_id)
    coded = []
    for line in lines:
        defaults = line_defaults(connection=connection, item_code=line.item_code)
        coded.append(
            replace(
                line,
                account_code=line.account_code or defaults.account_code,
                tax_type=line.tax_type or defaults.tax_type,
            )
        )
    return coded


def line_defaults(*, connection: XeroConnection, item_code: str) -> catalogue.LineDefaults:
    """The account and tax a line of this item gets: the item's, else the organisation's options."""
    return catalogue.line_defaults(
        organisation_id=connection.organisation_id,
        item_code=item_code,
        default_account_code=connection.sales_account_code,
        default_tax_type=connection.sales_tax_type,
    )
