from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.money import money_required, money_withheld
from accounts.selectors import user_sees_money
from contacts.models import Contact
from contacts.selectors import contact_detail
from opportunities import plan_invoicing, selectors, services
from opportunities.billing import opportunity_billing
from opportunities.forms import InstalmentFormSet, InstalmentPlanCreateForm, PlanInvoicingForm, instalment_inputs
from opportunities.models import Instalment, InstalmentPlan, Milestone, Opportunity
from opportunities.opportunity_forms import OpportunityCloseForm, OpportunityForm
from web.http import HtmxHttpRequest


@require_GET
def pipeline(request: HtmxHttpRequest) -> HttpResponse:
    columns = selectors.pipeline(user=request.user, today=timezone.localdate())
    return render(request, "opportunities/pipeline.html", {"columns": columns})


@require_POST
def opportunity_move(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """Move a card to another milestone; HTMX gets the board back, a plain form post goes back to it."""
    try:
        moved = services.opportunity_move(
            opportunity_id=opportunity_id,
            milestone_id=int(request.POST.get("milestone", "0") or 0),
            user=request.user,
        )
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    except (Milestone.DoesNotExist, ValueError, services.OpportunityClosed) as exc:
        problem = str(exc) if isinstance(exc, services.OpportunityClosed) else "Pick a milestone to move it to."
        if not request.htmx:
            messages.error(request, problem)
            return redirect("opportunities:pipeline")
        return HttpResponse(problem, status=400)
    if not request.htmx:
        messages.success(request, f"{moved.name} moved to {moved.milestone.name}.")
        return redirect("opportunities:pipeline")
    response = render(
        request,
        "opportunities/pipeline.html#pipeline-board",
        {"columns": selectors.pipeline(user=request.user, today=timezone.localdate())},
    )
    return trigger_client_event(response, "pipeline-changed")


@require_GET
def opportunity_detail(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    try:
        opportunity = selectors.opportunity_detail(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    billing = opportunity_billing(user=request.user, opportunity=opportunity, now=timezone.now())
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {"opportunity": opportunity, "form": OpportunityCloseForm(), "billing": billing},
    )


@require_http_methods(["GET", "POST"])
def opportunity_create(request: HtmxHttpRequest, contact_id: int | None = None) -> HttpResponse:
    """Add an opportunity: with the contact of the page it came from, or (from the pipeline) one picked; the
    pipeline's `?contact=<id>` preselects one."""
    try:
        contact = None if contact_id is None else contact_detail(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    form = OpportunityForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        contact=contact,
        initial={"contact": request.GET.get("contact"), "owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.opportunity_create(
                user=request.user, contact_id=(contact or form.cleaned_data["contact"]).pk, **form.arguments()
            )
        except (services.OpportunityInvalid, Milestone.DoesNotExist, Contact.DoesNotExist) as exc:
            form.add_error(
                None,
                str(exc)
                if isinstance(exc, services.OpportunityInvalid)
                else "That contact or milestone is no longer there: pick again.",
            )
        else:
            messages.success(request, f"Opened {created.name}.")
            return redirect("opportunities:detail", opportunity_id=created.pk)
    return render(request, "opportunities/opportunity_edit.html", {"form": form, "contact": contact})


@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _visible_opportunity(request, opportunity_id)
    form = OpportunityForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        contact=opportunity.contact,
        initial=OpportunityForm.initial_of(opportunity),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.opportunity_update(user=request.user, opportunity_id=opportunity.pk, **form.arguments())
        except (services.OpportunityInvalid, Milestone.DoesNotExist) as exc:
            form.add_error(
                None,
                str(exc)
                if isinstance(exc, services.OpportunityInvalid)
                else "That milestone is no longer there: pick again.",
            )
        else:
            messages.success(request, f"Saved {saved.name}.")
            return redirect("opportunities:detail", opportunity_id=saved.pk)
    return render(
        request,
        "opportunities/opportunity_edit.html",
        {"form": form, "contact": opportunity.contact, "opportunity": opportunity},
    )


@require_http_methods(["GET", "POST"])
def opportunity_close(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """Mark an open opportunity won or lost, with a reason (`?outcome=lost` picks lost on the form)."""
    opportunity = _visible_opportunity(request, opportunity_id)
    form = OpportunityCloseForm(
        request.POST if request.method == "POST" else None, initial={"outcome": request.GET.get("outcome", "won")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            closed = services.opportunity_close(
                user=request.user,
                opportunity_id=opportunity.pk,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                today=timezone.localdate(),
            )
        except (services.OpportunityClosed, services.OpportunityInvalid) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"{closed.name} marked {closed.get_outcome_display().lower()}; it has left the pipeline."
            )
            return redirect("opportunities:detail", opportunity_id=closed.pk)
    return render(request, "opportunities/opportunity_close.html", {"form": form, "opportunity": opportunity})


@require_POST
def opportunity_reopen(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _visible_opportunity(request, opportunity_id)
    try:
        services.opportunity_reopen(user=request.user, opportunity_id=opportunity.pk)
    except services.OpportunityInvalid as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{opportunity.name} is open again, back in the pipeline.")
    return redirect("opportunities:detail", opportunity_id=opportunity.pk)


def _plan_response(request: HtmxHttpRequest, opportunity: Opportunity, **context: object) -> HttpResponse:
    plan = selectors.instalment_plan_detail(user=request.user, opportunity_id=opportunity.pk, now=timezone.now())
    template = "opportunities/instalments.html" + ("#instalment-plan" if request.htmx else "")
    create_form = context.pop("create_form", None) or InstalmentPlanCreateForm()
    invoicing_form = context.pop("invoicing_form", None)
    if invoicing_form is None and plan is not None:
        invoicing_form = PlanInvoicingForm(initial=PlanInvoicingForm.initial_of(plan.opportunity.instalment_plan))
    return render(
        request,
        template,
        {
            "opportunity": opportunity,
            "plan": plan,
            "create_form": create_form,
            "invoicing_form": invoicing_form,
            **context,
        },
    )


def _visible_opportunity(request: HtmxHttpRequest, opportunity_id: int) -> Opportunity:
    try:
        return selectors.opportunity_detail(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None


def _after_plan_change(request: HtmxHttpRequest, opportunity: Opportunity, message: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect("opportunities:instalments", opportunity_id=opportunity.pk)
    return trigger_client_event(_plan_response(request, opportunity), "instalments-changed")


@require_GET
def opportunity_instalments(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """A won sale's instalment plan: the section of the opportunity page (HTMX), or a page of its own; without the
    money permission, the "withheld" panel (its amounts and payments are the accounts')."""
    opportunity = _visible_opportunity(request, opportunity_id)
    if not user_sees_money(user=request.user):
        return money_withheld(request, title="Instalments")
    return _plan_response(request, opportunity)


@require_POST
@money_required
def instalment_plan_create(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _visible_opportunity(request, opportunity_id)
    form = InstalmentPlanCreateForm(request.POST)
    if form.is_valid():
        try:
            services.instalment_plan_create_even(
                opportunity_id=opportunity.pk,
                user=request.user,
                count=form.cleaned_data["count"],
                first_due_on=form.cleaned_data["first_due_on"],
            )
        except (services.OpportunityNotWon, services.InstalmentPlanExists, services.InstalmentPlanInvalid) as exc:
            form.add_error(None, str(exc))
        else:
            return _after_plan_change(request, opportunity, "Instalment plan created.")
    return _plan_response(request, opportunity, create_form=form)


@require_POST
@money_required
def instalment_plan_invoicing(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """Say who raises the plan's invoices (by hand in Xero, or Capsync: all at once or each on a schedule)."""
    opportunity = _visible_opportunity(request, opportunity_id)
    form = PlanInvoicingForm(request.POST)
    if form.is_valid():
        try:
            plan_invoicing.instalment_plan_invoicing_set(
                opportunity_id=opportunity.pk,
                user=request.user,
                invoicing=form.cleaned_data["invoicing"],
                organisation_id=getattr(form.cleaned_data["organisation"], "pk", None),
                raise_days_before_due=form.cleaned_data["raise_days_before_due"],
            )
        except InstalmentPlan.DoesNotExist:
            raise Http404("This opportunity has no instalment plan.") from None
        except plan_invoicing.InvoicingInvalid as exc:
            form.add_error(None, str(exc))
        else:
            return _after_plan_change(request, opportunity, "Invoicing saved.")
    return _plan_response(request, opportunity, invoicing_form=form)


@require_http_methods(["GET", "POST"])
@money_required
def instalment_plan_edit(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """Edit the instalments by hand; nothing is saved unless they add up to the sale's value."""
    opportunity = _visible_opportunity(request, opportunity_id)
    plan = selectors.instalment_plan_detail(user=request.user, opportunity_id=opportunity.pk, now=timezone.now())
    if plan is None:
        raise Http404("This opportunity has no instalment plan.")
    initial = [
        {"instalment_id": row.instalment.pk, "amount": row.instalment.amount, "due_on": row.instalment.due_on}
        for row in plan.rows
    ]
    formset = InstalmentFormSet(
        request.POST if request.method == "POST" else None, initial=initial, prefix="instalments"
    )
    problem = ""
    if request.method == "POST" and formset.is_valid():
        try:
            services.instalment_plan_update(
                opportunity_id=opportunity.pk, user=request.user, instalments=instalment_inputs(formset)
            )
        except (services.OpportunityNotWon, services.InstalmentPlanInvalid) as exc:
            problem = str(exc)
        else:
            messages.success(request, "Instalments saved.")
            return redirect("opportunities:detail", opportunity_id=opportunity.pk)
    return render(
        request,
        "opportunities/instalments_edit.html",
        {"opportunity": opportunity, "plan": plan, "formset": formset, "problem": problem},
    )


@require_POST
@money_required
def instalment_match(request: HtmxHttpRequest, opportunity_id: int, instalment_id: int) -> HttpResponse:
    """Match an instalment to the invoice picked, or forget its invoice when the picker's "none" is sent."""
    opportunity = _visible_opportunity(request, opportunity_id)
    invoice_id = request.POST.get("invoice", "")
    try:
        if invoice_id:
            services.instalment_match(
                opportunity_id=opportunity.pk,
                instalment_id=instalment_id,
                invoice_id=int(invoice_id),
                user=request.user,
            )
        else:
            services.instalment_unmatch(opportunity_id=opportunity.pk, instalment_id=instalment_id, user=request.user)
    except Instalment.DoesNotExist:
        raise Http404("No instalment with that id is visible to you.") from None
    except (ValueError, services.InvoiceNotMatchable) as exc:
        problem = str(exc) if isinstance(exc, services.InvoiceNotMatchable) else "Pick an invoice from the list."
        if not request.htmx:
            messages.error(request, problem)
            return redirect("opportunities:instalments", opportunity_id=opportunity.pk)
        return _plan_response(request, opportunity, problem=problem)
    return _after_plan_change(request, opportunity, "Invoice matched." if invoice_id else "Invoice unmatched.")


@require_GET
def contact_instalment_plans(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """Progress lines of a contact's won sales with plans, for the contact page (HTMX) or on their own."""
    try:
        plans = selectors.instalment_plans_of_contact(user=request.user, contact_id=contact_id, now=timezone.now())
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    template = "opportunities/contact_plans.html" + ("#contact-plans" if request.htmx else "")
    return render(request, template, {"plans": plans, "contact_id": contact_id})
