"""Quote drafts in Xero from an opportunity, and the opportunity's quotes."""

import logging
from datetime import timedelta

from django.contrib import messages
from django.forms import BaseFormSet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.money import money_required, money_withheld
from accounts.selectors import user_sees_money
from integrations.xero import client, selectors
from integrations.xero.forms import QuoteForm, QuoteLineFormSet, XeroCreateForm
from integrations.xero.sync import quotes
from integrations.xero.views.wizard import xero_identity
from opportunities import selectors as opportunity_selectors
from opportunities.models import Opportunity
from web.http import HtmxHttpRequest

logger = logging.getLogger(__name__)

QUOTE_VALID_FOR = timedelta(days=30)


@require_GET
def opportunity_quotes(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """The opportunity's Xero quotes with their status and a link to each in Xero, and the "Create quote" button."""
    try:
        rows = opportunity_selectors.opportunity_quotes(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    if not user_sees_money(user=request.user):  # a quote's total is Xero's money, and so is making one
        return money_withheld(request, title="Quotes in Xero")
    template = "xero/opportunity_quotes.html" + ("#opportunity-quotes" if request.htmx else "")
    return render(request, template, {"quotes": rows, "opportunity_id": opportunity_id})


def _quote_input(form: QuoteForm, lines: QuoteLineFormSet) -> quotes.QuoteInput:
    data = form.cleaned_data
    return quotes.QuoteInput(
        connection_id=data["organisation"],
        title=data["title"],
        summary=data["summary"],
        date=data["date"],
        expiry_date=data["expiry_date"],
        line_amount_types=data["line_amount_types"],
        currency_code=data["currency_code"],
        lines=tuple(
            quotes.QuoteLineInput(
                description=line["description"], quantity=line["quantity"], unit_amount=line["unit_amount"]
            )
            for line in lines.cleaned_data
            if line
        ),
    )


@require_http_methods(["GET", "POST"])
@money_required
def quote_create(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """ "Create quote in Xero": a form prefilled from the opportunity; its POST makes one DRAFT quote in Xero."""
    try:
        page = selectors.quote_form_page(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    opportunity, today = page.opportunity, timezone.localdate()
    data = request.POST.copy() if request.method == "POST" else None
    form = QuoteForm(
        data,
        organisations=page.organisations,
        initial={
            "submission_key": QuoteForm.new_submission_key(),
            "organisation": page.suggested_organisation_id,
            "title": opportunity.name,
            "summary": opportunity.description,
            "date": today,
            "expiry_date": today + QUOTE_VALID_FOR,
            "line_amount_types": "EXCLUSIVE",
            "currency_code": opportunity.currency_code,
        },
    )
    # Initial lines only on GET: a posted line equal to its initial would count as untouched, i.e. empty.
    lines = QuoteLineFormSet(
        data,
        prefix="lines",
        initial=None
        if data is not None
        else [{"description": opportunity.name, "quantity": 1, "unit_amount": opportunity.value}],
    )
    refused: list[str] = []
    problem = ""
    if data is not None and form.is_valid() and lines.is_valid():
        try:
            quote = quotes.quote_draft_create(
                opportunity_id=opportunity.pk,
                requested_by_id=request.user.pk,
                data=_quote_input(form, lines),
                submission_key=form.cleaned_data["submission_key"],
                another_draft_confirmed=form.cleaned_data["another_draft"],
                identity=xero_identity(request),
                clock=timezone.now,
            )
        except quotes.DraftAlreadyExists:
            form.add_error(
                "another_draft",
                "This opportunity already has a draft quote in Xero. Tick the box to create another one anyway.",
            )
        except quotes.OrganisationNotAllowed as exc:
            form.add_error("organisation", str(exc))
        except quotes.SubmissionMismatch:
            raise Http404("This form belongs to another opportunity.") from None
        except quotes.QuoteRefused as exc:
            refused = exc.messages
            form = QuoteForm.after_refusal(data, organisations=page.organisations)
        except client.XeroError as exc:
            logger.warning("Creating a quote in Xero failed", extra={"error": type(exc).__name__})
            problem = xero_problem(exc, noun="quote")
        else:
            messages.success(request, f"Quote {quote.number} is a draft in Xero.")
            return redirect("opportunities:detail", opportunity_id=opportunity.pk)
    return create_form_page(
        request, "xero/quote_form.html", page=page, form=form, lines=lines, refused=refused, problem=problem
    )


def create_form_page(
    request: HtmxHttpRequest,
    template: str,
    *,
    page: object,
    form: XeroCreateForm,
    lines: BaseFormSet,
    refused: list[str],
    problem: str,
) -> HttpResponse:
    """A "Create quote/invoice in Xero" form page; 400 when Xero refused the submission (`refused`, its messages) or
    could not be asked (`problem`), so the HTMX swap shows them in place."""
    return render(
        request,
        template,
        {"page": page, "form": form, "lines": lines, "refused": refused, "problem": problem},
        status=400 if refused or problem else 200,
    )


def xero_problem(error: client.XeroError, *, noun: str) -> str:
    """What the form says when Xero could not be asked to make a `noun` (quote, invoice), or gave no answer."""
    if isinstance(error, client.XeroUnavailable):
        return (
            f"Xero did not answer, so Capsync cannot tell whether the {noun} was made. Send the form again: "
            f"it will not make a second {noun}."
        )
    if isinstance(error, client.RateLimited):
        return f"Xero asked Capsync to slow down. Send the form again in {error.retry_after} seconds."
    if isinstance(error, client.ReconnectNeeded):
        return f"Xero needs an admin to reconnect this organisation before a {noun} can be made there."
    return f"Xero could not make the {noun} just now. Send the form again in a minute."
