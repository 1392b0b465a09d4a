"""Settings > Integrations > Xero: the connect wizard and each organisation's actions."""

import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from capsync.http import HtmxHttpRequest
from contacts.models import Contact
from integrations.xero import client, quotes, schemas, selectors, services, tasks
from integrations.xero.forms import ConnectionOptionsForm, PickOrganisationsForm, QuoteForm, QuoteLineFormSet
from integrations.xero.models import SyncRun, XeroConnection
from integrations.xero.sync import push
from opportunities import selectors as opportunity_selectors
from opportunities.models import Opportunity

logger = logging.getLogger(__name__)

SESSION_OAUTH = "xero_oauth"  # state and PKCE verifier of the authorisation in progress
SESSION_CONSENT = "xero_consent"  # grant and organisations waiting to be picked

View = Callable[..., HttpResponse]


def admin_with_mfa_required(view: View) -> View:
    """Only admins who use two-factor authentication may change the Xero link; others get a 403 that says why."""

    @wraps(view)
    def guarded(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_admin:
            return render(request, "xero/forbidden.html", {"reason": "admin"}, status=403)
        if not is_mfa_enabled(request.user):
            return render(request, "xero/forbidden.html", {"reason": "mfa"}, status=403)
        return view(request, *args, **kwargs)

    return guarded


def _identity(request: HtmxHttpRequest) -> client.XeroIdentity:
    return client.identity_from_settings(redirect_uri=request.build_absolute_uri(reverse("xero:callback")))


def _problem(request: HtmxHttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "xero/problem.html", {"message": message}, status=status)


def _friendly(error: client.XeroError) -> str:
    if isinstance(error, client.XeroUnavailable):
        return "Xero could not be reached just now. Nothing was changed; please try again in a minute."
    if isinstance(error, client.XeroConfigurationError):
        return ("Xero refused Capsync's app credentials. Check XERO_CLIENT_ID and XERO_CLIENT_SECRET, "
                "then try again.")
    if isinstance(error, client.RateLimited):
        return f"Xero asked Capsync to slow down. Please try again in {error.retry_after} seconds."
    if isinstance(error, client.ReconnectNeeded):
        return "Xero did not accept this sign-in. Please start the connection again."
    return "Xero refused the request. Please start the connection again."


@require_GET
def integrations(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "xero/integrations.html", {"connections": selectors.connections_for_settings()})


@require_GET
@admin_with_mfa_required
def connect(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "xero/connect.html")


@require_POST
@admin_with_mfa_required
def authorize(request: HtmxHttpRequest) -> HttpResponse:
    state = secrets.token_urlsafe(32)
    verifier, challenge = client.pkce_pair()
    request.session[SESSION_OAUTH] = {"state": state, "verifier": verifier}
    return HttpResponseRedirect(_identity(request).authorization_url(state=state, code_challenge=challenge))


@require_GET
@admin_with_mfa_required
def callback(request: HtmxHttpRequest) -> HttpResponse:
    started = request.session.pop(SESSION_OAUTH, None)
    if not started or not secrets.compare_digest(started["state"], request.GET.get("state", "")):
        return _problem(request, "This sign-in to Xero did not start here, or it has expired. "
                                 "Nothing was saved; please start again.")
    if request.GET.get("error"):
        if request.GET["error"] == "access_denied":
            return _problem(request, "You chose not to let Capsync into Xero, so nothing was connected. "
                                     "You can start again whenever you are ready.", status=200)
        return _problem(request, f"Xero could not authorise Capsync ({request.GET['error']}). Please start again.")
    identity = _identity(request)
    try:
        consent = services.consent_complete(
            identity=identity, code=request.GET.get("code", ""), code_verifier=started["verifier"],
            user_id=request.user.pk, now=timezone.now(),
        )
    except services.NoOrganisationAuthorised:
        return _problem(request, "No Xero organisation was picked at Xero, so nothing was connected.", status=200)
    except client.XeroError as exc:
        logger.warning("Xero code exchange failed", extra={"error": type(exc).__name__})
        return _problem(request, _friendly(exc), status=502)
    if len(consent.tenants) == 1:
        return _link(request, grant_id=consent.grant_id, tenants=consent.tenants,
                     chosen=[consent.tenants[0].tenant_id])
    request.session[SESSION_CONSENT] = {
        "grant_id": consent.grant_id,
        "tenants": [tenant.__dict__ for tenant in consent.tenants],
    }
    return redirect("xero:pick")


@require_http_methods(["GET", "POST"])
@admin_with_mfa_required
def pick(request: HtmxHttpRequest) -> HttpResponse:
    consent = request.session.get(SESSION_CONSENT)
    if not consent:
        return redirect("xero:integrations")
    tenants = [schemas.TenantConnection(**tenant) for tenant in consent["tenants"]]
    form = PickOrganisationsForm(
        request.POST or None, organisations=[(tenant.tenant_id, tenant.tenant_name) for tenant in tenants]
    )
    if request.method == "POST" and form.is_valid():
        del request.session[SESSION_CONSENT]
        return _link(request, grant_id=consent["grant_id"], tenants=tenants, chosen=form.cleaned_data["tenant_ids"])
    return render(request, "xero/pick.html", {"form": form})


def _link(request: HtmxHttpRequest, *, grant_id: int, tenants: list[schemas.TenantConnection],
          chosen: list[str]) -> HttpResponse:
    try:
        results = services.connections_link(
            grant_id=grant_id, tenants=tenants, chosen_tenant_ids=chosen, identity=_identity(request),
            user_id=request.user.pk, clock=timezone.now,
        )
    except client.XeroError as exc:
        logger.warning("Linking Xero organisations failed", extra={"error": type(exc).__name__})
        return _problem(request, _friendly(exc), status=502)
    for result in results:
        verb = "reconnected" if result.reconnected else "connected"
        messages.success(request, f"{result.connection.name} is {verb}.")
    unconfigured = [result.connection for result in results if not result.connection.is_configured]
    if unconfigured:
        return redirect("xero:options", connection_id=unconfigured[0].pk)
    return redirect("xero:integrations")


def _connection(connection_id: int) -> XeroConnection:
    try:
        return selectors.connection_get(connection_id=connection_id)
    except XeroConnection.DoesNotExist:
        raise Http404("No such Xero organisation.") from None


@require_http_methods(["GET", "POST"])
@admin_with_mfa_required
def options(request: HtmxHttpRequest, connection_id: int) -> HttpResponse:
    connection = _connection(connection_id)
    initial = {
        "suppliers": connection.suppliers,
        "default_team": connection.default_team_id,
        "sync_interval_seconds": connection.sync_interval_seconds,
        "push_crm_edits": connection.push_crm_edits,
        "accepted_quote_milestone": connection.accepted_quote_milestone_id,
    }
    form = ConnectionOptionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.connection_configure(
            connection_id=connection.pk,
            suppliers=form.cleaned_data["suppliers"],
            default_team_id=form.cleaned_data["default_team"].pk,
            sync_interval_seconds=form.cleaned_data["sync_interval_seconds"],
            push_crm_edits=form.cleaned_data["push_crm_edits"],
            accepted_quote_milestone_id=getattr(form.cleaned_data["accepted_quote_milestone"], "pk", None),
        )
        messages.success(request, f"Options saved for {connection.name}.")
        if not selectors.sync_run_latest(connection_id=connection.pk):
            tasks.organisation_sync.delay_on_commit(connection_id=connection.pk, kind=SyncRun.Kind.FULL)
        next_unconfigured = selectors.connection_to_configure()
        if next_unconfigured:
            return redirect("xero:options", connection_id=next_unconfigured.pk)
        return redirect("xero:integrations")
    return render(request, "xero/options.html", {"connection": connection, "form": form})


@require_POST
@admin_with_mfa_required
def disconnect(request: HtmxHttpRequest, connection_id: int) -> HttpResponse:
    connection = _connection(connection_id)
    try:
        services.connection_disconnect(connection_id=connection.pk, identity=_identity(request), clock=timezone.now)
    except client.XeroError as exc:
        logger.warning("Disconnecting a Xero organisation failed", extra={"error": type(exc).__name__})
        messages.error(request, _friendly(exc))
        return redirect("xero:integrations")
    messages.success(request, f"{connection.name} is disconnected. Its contacts and history stay in Capsync.")
    return redirect("xero:integrations")


@require_GET
def sync_status(request: HtmxHttpRequest, connection_id: int) -> HttpResponse:
    """The progress of an organisation's latest sync; polled every 2 s while it runs, then polling stops."""
    connection = _connection(connection_id)
    latest = selectors.sync_run_latest(connection_id=connection.pk)
    context = {"connection": connection, "run": latest}
    if latest is None or latest.outcome != SyncRun.Outcome.RUNNING:
        return HttpResponseStopPolling(render(request, "xero/sync_status.html", context).content)
    return render(request, "xero/sync_status.html", context)


@require_POST
@admin_with_mfa_required
def sync_now(request: HtmxHttpRequest, connection_id: int) -> HttpResponse:
    connection = _connection(connection_id)
    tasks.organisation_sync.delay_on_commit(connection_id=connection.pk, kind=SyncRun.Kind.INCREMENTAL)
    messages.success(request, f"A sync of {connection.name} has been queued.")
    return redirect("xero:integrations")


def _push_panel(request: HtmxHttpRequest, contact_id: int) -> selectors.ContactPushPanel:
    try:
        return selectors.contact_push_panel(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None


@require_GET
def contact_push(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """The contact page's Xero panel: whether its edits reached Xero, and Xero's reason when refused."""
    panel = _push_panel(request, contact_id)
    return render(request, "xero/contact_push.html", {"contact_id": contact_id, "panel": panel})


@require_POST
def contact_push_retry(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """"Try again" after Xero refused an edit: send the contact as it is now."""
    _push_panel(request, contact_id)  # 404 unless the contact is visible
    push.contact_push_retry(contact_id=contact_id)
    tasks.contact_push.delay_on_commit(contact_id=contact_id)
    if request.htmx:
        panel = _push_panel(request, contact_id)
        return render(request, "xero/contact_push.html", {"contact_id": contact_id, "panel": panel})
    messages.success(request, "The change is being sent to Xero again.")
    return redirect("contacts:detail", contact_id=contact_id)


def _since(request: HtmxHttpRequest) -> datetime | None:
    """When "Sync this contact now" was asked for, as the polling URL carries it (ignored unless sensible)."""
    moment = parse_datetime(request.GET.get("since", ""))
    if moment is None or timezone.is_naive(moment) or moment > timezone.now():
        return None
    return moment


def _contact_status(request: HtmxHttpRequest, contact_id: int, *, since: datetime | None) -> HttpResponse:
    try:
        status = selectors.contact_xero_status(user=request.user, contact_id=contact_id, now=timezone.now(),
                                               since=since)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    response = render(request, "xero/contact_status.html", {"status": status})
    if since is not None and not status.fetching:
        # The fetch is over: the invoice panel beside it reloads itself on this event.
        trigger_client_event(response, "invoices-changed")
    return response


@require_GET
def contact_status(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """The contact's link state in each organisation and how fresh its Xero data is; polled every second while
    a "Sync this contact now" runs."""
    return _contact_status(request, contact_id, since=_since(request))


@require_POST
def contact_sync(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    """"Sync this contact now": fetch just this contact's records from each organisation it is linked in."""
    asked_at = timezone.now()
    try:
        queued = services.contact_sync_request(user=request.user, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404("No contact with that id is visible to you.") from None
    if request.htmx:
        return _contact_status(request, contact_id, since=asked_at)
    if queued:
        messages.success(request, "Fetching this contact's records from Xero; the panel shows them in a moment.")
    else:
        messages.info(request, "This contact is not linked to a connected Xero organisation: nothing to fetch.")
    return redirect("contacts:detail", contact_id=contact_id)


@require_GET
@admin_with_mfa_required
def health(request: HtmxHttpRequest) -> HttpResponse:
    """Sync health: each organisation's state, recent runs with counts and calls, records Xero sent that could
    not be read (with their raw payload and a retry), and contacts whose edits wait or were refused."""
    return render(request, "xero/health.html", {
        "organisations": selectors.sync_health(),
        "runs": selectors.sync_runs_recent(),
        "errors": selectors.sync_errors_open(),
        "contacts": selectors.contacts_needing_attention(user=request.user),
    })


@require_POST
@admin_with_mfa_required
def errors_retry(request: HtmxHttpRequest) -> HttpResponse:
    """Fetch quarantined records from Xero again (one error, or every one ticked)."""
    error_ids = [int(value) for value in request.POST.getlist("error") if value.isdigit()]
    queued = services.sync_errors_retry(error_ids=error_ids, now=timezone.now())
    if queued:
        messages.success(request, f"Asked Xero again for {len(error_ids)} record{'s' if len(error_ids) != 1 else ''}; "
                                  "the errors clear when they read cleanly.")
    else:
        messages.error(request, "Nothing to fetch again: pick at least one record that has a Xero id.")
    return redirect("xero:health")


QUOTE_VALID_FOR = timedelta(days=30)


@require_GET
def opportunity_quotes(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """The opportunity's Xero quotes with their status and a link to each in Xero, and the "Create quote" button."""
    try:
        rows = opportunity_selectors.opportunity_quotes(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    template = "xero/opportunity_quotes.html" + ("#opportunity-quotes" if request.htmx else "")
    return render(request, template, {"quotes": rows, "opportunity_id": opportunity_id})


def _quote_input(form: QuoteForm, lines: QuoteLineFormSet) -> quotes.QuoteInput:
    data = form.cleaned_data
    return quotes.QuoteInput(
        connection_id=data["organisation"], title=data["title"], summary=data["summary"], date=data["date"],
        expiry_date=data["expiry_date"], line_amount_types=data["line_amount_types"],
        currency_code=data["currency_code"],
        lines=tuple(quotes.QuoteLineInput(description=line["description"], quantity=line["quantity"],
                                          unit_amount=line["unit_amount"])
                    for line in lines.cleaned_data if line),
    )


@require_http_methods(["GET", "POST"])
def quote_create(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    """"Create quote in Xero": a form prefilled from the opportunity; its POST makes one DRAFT quote in Xero."""
    try:
        page = selectors.quote_form_page(user=request.user, opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist:
        raise Http404("No opportunity with that id is visible to you.") from None
    opportunity, today = page.opportunity, timezone.localdate()
    data = request.POST.copy() if request.method == "POST" else None
    form = QuoteForm(data, organisations=page.organisations, initial={
        "submission_key": QuoteForm.new_submission_key(), "organisation": page.organisations[0].pk
        if len(page.organisations) == 1 else None, "title": opportunity.name, "summary": opportunity.description,
        "date": today, "expiry_date": today + QUOTE_VALID_FOR, "line_amount_types": "EXCLUSIVE",
        "currency_code": opportunity.currency_code,
    })
    # Initial lines only on GET: a posted line equal to its initial would count as untouched, i.e. empty.
    lines = QuoteLineFormSet(data, prefix="lines", initial=None if data is not None else [
        {"description": opportunity.name, "quantity": 1, "unit_amount": opportunity.value}])
    refused: list[str] = []
    problem = ""
    if data is not None and form.is_valid() and lines.is_valid():
        try:
            quote = quotes.quote_draft_create(
                opportunity_id=opportunity.pk, requested_by_id=request.user.pk, data=_quote_input(form, lines),
                submission_key=form.cleaned_data["submission_key"],
                another_draft_confirmed=form.cleaned_data["another_draft"], identity=_identity(request),
                clock=timezone.now,
            )
        except quotes.DraftAlreadyExists:
            form.add_error("another_draft", "This opportunity already has a draft quote in Xero. Tick the box to "
                                            "create another one anyway.")
        except quotes.OrganisationNotAllowed as exc:
            form.add_error("organisation", str(exc))
        except quotes.SubmissionMismatch:
            raise Http404("This form belongs to another opportunity.") from None
        except quotes.QuoteRefused as exc:
            refused = exc.messages
            data["submission_key"] = str(uuid.uuid4())  # that submission is spent; the corrected one is new
            form = QuoteForm(data, organisations=page.organisations)
        except client.XeroError as exc:
            logger.warning("Creating a quote in Xero failed", extra={"error": type(exc).__name__})
            problem = _quote_problem(exc)
        else:
            messages.success(request, f"Quote {quote.number} is a draft in Xero.")
            return redirect("opportunities:detail", opportunity_id=opportunity.pk)
    return render(request, "xero/quote_form.html", {
        "page": page, "form": form, "lines": lines, "refused": refused, "problem": problem,
    }, status=400 if refused or problem else 200)


def _quote_problem(error: client.XeroError) -> str:
    if isinstance(error, client.XeroUnavailable):
        return ("Xero did not answer, so Capsync cannot tell whether the quote was made. Send the form again: "
                "it will not make a second quote.")
    if isinstance(error, client.RateLimited):
        return f"Xero asked Capsync to slow down. Send the form again in {error.retry_after} seconds."
    if isinstance(error, client.ReconnectNeeded):
        return "Xero needs an admin to reconnect this organisation before quotes can be made there."
    return "Xero could not make the quote just now. Send the form again in a minute."
