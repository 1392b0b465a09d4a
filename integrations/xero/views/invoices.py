"""Invoices in Xero from a won opportunity ("Create invoice in Xero", "Invoice this quote"), the opportunity's
invoices, and its line items picked from the organisation's Xero Items."""

import logging
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.money import money_required, money_withheld
from accounts.selectors import user_sees_money
from integrations.xero import client, schemas
from integrations.xero import invoice_selectors as selectors
from integrations.xero.invoice_forms import InvoiceForm, InvoiceLines
from integrations.xero.line_forms import OpportunityLineForm
from integrations.xero.sync import invoicing
from integrations.xero.views.quotes import create_form_page, xero_problem
from integrations.xero.views.wizard import xero_identity
from invoices import catalogue
from invoices.models import Item, Quote, TrackingOption
from opportunities import lines as opportunity_lines
from opportunities.models import Opportunity, OpportunityLine
from web.http import HtmxHttpRequest

logger = logging.getLogger(__name__)


@require_GET
def opportunity_invoices(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """The invoices whose reference names the opportunity, and "Create invoice in Xero" once it is won."""
    try:
        page = selectors.opportunity_invoices_page(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    if not user_sees_money(user=request.user):
        return money_withheld(request, title="Invoices in Xero")
    template = "xero/opportunity_invoices.html" + ("#opportunity-invoices" if request.htmx else "")
    return render(request, template, {"page": page, "opportunity_id": opportunity_id})


def _lines_initial(page: selectors.InvoiceFormPage, quote_lines: list[schemas.InvoiceLine] | None) -> list[dict]:
    if quote_lines is not None:
        return [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_amount": line.unit_amount.quantize(Decimal("0.01")),
                "item_code": line.item_code,
                "account_code": line.account_code,
                "tax_type": line.tax_type,
                "discount_rate": line.discount_rate,
                "tracking_option": page.tracking_option_id(line.tracking),
            }
            for line in quote_lines
        ]
    return [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit_amount": line.unit_amount.quantize(Decimal("0.01")),
            "item_code": line.item_code,
            "account_code": line.account_code,
            "tax_type": line.tax_type,
            "discount_rate": line.discount_rate,
            "tracking_option": line.tracking_option_id,
        }
        for line in opportunity_lines.invoice_lines(opportunity=page.opportunity)
    ]


def _invoice_lines(lines: InvoiceLines, *, connection_id: int) -> list[schemas.InvoiceLine]:
    """The form's lines as Xero's (the service fills empty codes from the item and the organisation's options)."""
    options = {o.pk: o for o in TrackingOption.objects.filter(organisation__xero_connection__pk=connection_id)}
    return [
        schemas.InvoiceLine(
            description=line["description"],
            quantity=line["quantity"],
            unit_amount=line["unit_amount"],
            item_code=line["item_code"],
            account_code=line["account_code"],
            tax_type=line["tax_type"],
            discount_rate=line["discount_rate"] or None,
            tracking=((option.category_name, option.name),) if (option := options.get(line["tracking_option"])) else (),
        )
        for line in lines.cleaned_data
        if line
    ]


@require_http_methods(["GET", "POST"])
@money_required
def invoice_create(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """ "Create invoice in Xero" on a won opportunity (or, with ?quote=<id>, "Invoice this quote"): a form prefilled
    from the opportunity's lines (or the quote's) and the payment terms; its POST makes one invoice in Xero."""
    try:
        page = selectors.invoice_form_page(
            user=request.user, opportunity_id=opportunity_id, quote_id=request.GET.get("quote")
        )
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    opportunity, data = page.opportunity, request.POST.copy() if request.method == "POST" else None
    quote_lines, problem, refused = None, "", []
    if page.quote is not None and data is None:
        try:
            quote_lines = invoicing.quote_lines(quote_id=page.quote.pk, identity=xero_identity(request))
        except client.XeroError as exc:
            logger.warning("Reading a quote's lines from Xero failed", extra={"error": type(exc).__name__})
            problem = (
                "Capsync could not read the quote's lines from Xero just now: the form starts from the opportunity."
            )
    connection_id = page.organisation_id(data)
    form = InvoiceForm(
        data,
        organisations=page.organisations,
        initial={
            "submission_key": InvoiceForm.new_submission_key(),
            "organisation": connection_id,
            "status": page.default_status,
            "date": page.issued_on,
            "due_date": page.due.due_on if page.due else None,
            "line_amount_types": "Exclusive",
        },
    )
    lines = InvoiceLines(
        data,
        prefix="lines",
        initial=None if data is not None else _lines_initial(page, quote_lines),
        form_kwargs={"organisation_id": page.organisation_pk(connection_id)},
    )
    if data is not None and page.organisations and form.is_valid() and lines.is_valid():
        connection_id = form.cleaned_data["organisation"]
        try:
            invoice = invoicing.invoice_create(
                opportunity_id=opportunity.pk,
                connection_id=connection_id,
                lines=_invoice_lines(lines, connection_id=connection_id),
                status=form.cleaned_data["status"],
                due_on=form.cleaned_data["due_date"],
                reference=None,
                issued_on=form.cleaned_data["date"],
                line_amount_types=form.cleaned_data["line_amount_types"],
                submission_key=form.cleaned_data["submission_key"],
                requested_by=request.user.pk,
                another_confirmed=form.cleaned_data["another_invoice"],
                identity=xero_identity(request),
                clock=timezone.now,
            )
        except invoicing.NotWon as exc:
            form.add_error(None, str(exc))
        except invoicing.InvoiceAlreadyExists:
            form.add_error(
                "another_invoice",
                "This opportunity already has an invoice in Xero. Tick the box to create another one anyway.",
            )
        except invoicing.OrganisationNotAllowed as exc:
            form.add_error("organisation", str(exc))
        except invoicing.SubmissionMismatch:
            raise Http404("This form belongs to another opportunity.") from None
        except invoicing.InvoiceRefused as exc:
            refused = exc.messages
            form = InvoiceForm.after_refusal(data, organisations=page.organisations)
        except client.XeroError as exc:
            logger.warning("Creating an invoice in Xero failed", extra={"error": type(exc).__name__})
            problem = xero_problem(exc, noun="invoice")
        else:
            number = invoice.number or "(a draft without a number)"
            messages.success(request, f"Invoice {number} is in Xero as {invoice.get_status_display().lower()}.")
            if page.quote is not None:
                _quote_invoiced(request, page.quote)
            return redirect("opportunities:detail", opportunity_id=opportunity.pk)
    return create_form_page(
        request, "xero/invoice_form.html", page=page, form=form, lines=lines, refused=refused, problem=problem
    )


def _quote_invoiced(request: HtmxHttpRequest, quote: Quote) -> None:
    """Mark the invoiced quote INVOICED in Xero; the invoice is made either way, so a failure is only said."""
    try:
        invoicing.quote_invoiced(quote_id=quote.pk, identity=xero_identity(request), clock=timezone.now)
    except client.XeroError as exc:
        logger.warning("Marking a quote invoiced in Xero failed", extra={"error": type(exc).__name__})
        messages.warning(
            request, f"Quote {quote.number} could not be marked invoiced in Xero just now: mark it there by hand."
        )
    else:
        messages.success(request, f"Quote {quote.number} is marked invoiced in Xero.")


# --- the opportunity's line items -------------------------------------------------------------------------------


def _lines_panel(
    request: HtmxHttpRequest,
    opportunity_id: int,
    *,
    form: OpportunityLineForm | None = None,
    editing: tuple[int, OpportunityLineForm] | None = None,
) -> HttpResponse:
    """The lines panel; `editing` is (line id, its form) when one line is shown as a form in its row."""
    try:
        page = selectors.opportunity_lines_page(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    if form is None:
        item = _picked_item(request, organisation_id=page.organisation_id)
        form = OpportunityLineForm(organisation_id=page.organisation_id, initial=OpportunityLineForm.initial_for(item))
    template = "xero/opportunity_lines.html" + ("#opportunity-lines" if request.htmx else "")
    forms = [form, *([editing[1]] if editing else [])]
    status = 400 if any(f.is_bound and f.errors for f in forms) else 200
    context = {
        "page": page,
        "form": form,
        "editing_id": editing[0] if editing else None,
        "edit_form": editing[1] if editing else None,
    }
    return render(request, template, context, status=status)


def _picked_item(request: HtmxHttpRequest, *, organisation_id: int | None) -> Item | None:
    item_id = request.GET.get("item", "")
    if not item_id.isdigit() or organisation_id is None:
        return None
    return Item.objects.filter(pk=int(item_id), organisation_id=organisation_id).first()


@require_http_methods(["GET", "POST"])
def opportunity_lines_panel(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """The opportunity's line items and the form adding one (GET ?item=<id> prefills it from that item)."""
    try:
        page = selectors.opportunity_lines_page(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    if not user_sees_money(user=request.user):  # prices are money: the panel is withheld, adding refused
        if request.method == "POST":
            raise PermissionDenied("Only people who may see money can do this.")
        return money_withheld(request, title="Line items")
    if request.method == "GET":
        return _lines_panel(request, opportunity_id)
    form = OpportunityLineForm(request.POST, organisation_id=page.organisation_id)
    if form.is_valid():
        try:
            opportunity_lines.line_add(user=request.user, opportunity_id=opportunity_id, data=form.line_data())
        except (opportunity_lines.LineInvalid, Item.DoesNotExist, TrackingOption.DoesNotExist) as exc:
            form.add_error(None, str(exc) if isinstance(exc, opportunity_lines.LineInvalid) else "Pick again.")
        else:
            return _lines_panel(request, opportunity_id)
    return _lines_panel(request, opportunity_id, form=form)


@require_POST
@money_required
def opportunity_line_delete(request: HtmxHttpRequest, opportunity_id: int, line_id: int) -> HttpResponse:
    try:
        opportunity_lines.line_delete(user=request.user, opportunity_id=opportunity_id, line_id=line_id)
    except (Opportunity.DoesNotExist, OpportunityLine.DoesNotExist):
        raise Http404("No such line on an opportunity visible to you.") from None
    return _lines_panel(request, opportunity_id)


@require_http_methods(["GET", "POST"])
@money_required
def opportunity_line_edit(request: HtmxHttpRequest, opportunity_id: int, line_id: int) -> HttpResponse:
    """One line edited in place: GET shows it as a form in its row, POST saves it with the rules of adding one."""
    try:
        page = selectors.opportunity_lines_page(user=request.user, opportunity_id=opportunity_id)
        line = page.opportunity.lines.get(pk=line_id)
    except (Opportunity.DoesNotExist, OpportunityLine.DoesNotExist):
        raise Http404("No such line on an opportunity visible to you.") from None
    organisation_id = line.organisation_id or page.organisation_id
    if request.method == "GET":
        form = OpportunityLineForm(prefix="edit", organisation_id=organisation_id, initial=_line_initial(line))
        return _lines_panel(request, opportunity_id, editing=(line.pk, form))
    form = OpportunityLineForm(request.POST, prefix="edit", organisation_id=organisation_id)
    if form.is_valid():
        try:
            opportunity_lines.line_update(
                user=request.user, opportunity_id=opportunity_id, line_id=line.pk, data=form.line_data()
            )
        except (opportunity_lines.LineInvalid, Item.DoesNotExist, TrackingOption.DoesNotExist) as exc:
            form.add_error(None, str(exc) if isinstance(exc, opportunity_lines.LineInvalid) else "Pick again.")
        except OpportunityLine.DoesNotExist:
            raise Http404("No such line on an opportunity visible to you.") from None
        else:
            return _lines_panel(request, opportunity_id)
    return _lines_panel(request, opportunity_id, editing=(line.pk, form))


def _line_initial(line: OpportunityLine) -> dict:
    return {
        "item": opportunity_lines.line_item_id(line),
        "description": line.description,
        "quantity": format(line.quantity.normalize(), "f"),  # 2, not 2.0000 (nor 1E+1 for 10)
        "unit_amount": line.unit_amount.quantize(Decimal("0.01")),
        "discount_rate": line.discount_rate,
        "account_code": line.account_code,
        "tax_type": line.tax_type,
        "tracking_option": line.tracking_option_id,
    }


@require_GET
@money_required
def item_search(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """The picker's matches: the organisation's sold items whose code, name or description contain `q`."""
    try:
        page = selectors.opportunity_lines_page(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    query = request.GET.get("q", "")[:100]
    items = catalogue.items_search(organisation_id=page.organisation_id, query=query) if page.organisation_id else []
    return render(request, "xero/_item_results.html", {"items": items, "opportunity_id": opportunity_id})
