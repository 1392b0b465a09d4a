"""Settings > Integrations > Xero: the connect wizard and each organisation's actions."""

import contextlib
import logging
import secrets
from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from integrations.xero import client, schemas, selectors, services, tasks
from integrations.xero.forms import ConnectionOptionsForm, PickOrganisationsForm
from integrations.xero.models import SyncRun, XeroConnection
from integrations.xero.views.access import admin_with_mfa_required
from web.http import HtmxHttpRequest

logger = logging.getLogger(__name__)

SESSION_OAUTH = "xero_oauth"  # state and PKCE verifier of the authorisation in progress
SESSION_CONSENT = "xero_consent"  # grant and organisations waiting to be picked

View = Callable[..., HttpResponse]


def xero_identity(request: HtmxHttpRequest) -> client.XeroIdentity:
    """Xero's identity service, with this site's callback as the redirect URI."""
    return client.identity_from_settings(redirect_uri=request.build_absolute_uri(reverse("xero:callback")))


def _problem(request: HtmxHttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "xero/problem.html", {"message": message}, status=status)


def _friendly(error: client.XeroError) -> str:
    if isinstance(error, client.XeroUnavailable):
        return "Xero could not be reached just now. Nothing was changed; please try again in a minute."
    if isinstance(error, client.XeroConfigurationError):
        return "Xero refused Capsync's app credentials. Check XERO_CLIENT_ID and XERO_CLIENT_SECRET, then try again."
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
    return HttpResponseRedirect(xero_identity(request).authorization_url(state=state, code_challenge=challenge))


@require_GET
@admin_with_mfa_required
def callback(request: HtmxHttpRequest) -> HttpResponse:
    started = request.session.get(SESSION_OAUTH)
    if not started or not secrets.compare_digest(started["state"], request.GET.get("state", "")):
        # The sign-in in progress (if any) is kept: a stray or forged callback must not cancel it.
        return _problem(
            request,
            "This sign-in to Xero did not start here, or it has expired. Nothing was saved; please start again.",
        )
    del request.session[SESSION_OAUTH]
    if request.GET.get("error"):
        if request.GET["error"] == "access_denied":
            return _problem(
                request,
                "You chose not to let Capsync into Xero, so nothing was connected. "
                "You can start again whenever you are ready.",
                status=200,
            )
        return _problem(request, f"Xero could not authorise Capsync ({request.GET['error']}). Please start again.")
    identity = xero_identity(request)
    pending = request.session.get(SESSION_CONSENT)  # a consent this session never picked from: replaced now
    try:
        consent = services.consent_complete(
            identity=identity,
            code=request.GET.get("code", ""),
            code_verifier=started["verifier"],
            user_id=request.user.pk,
            now=timezone.now(),
            replaces_grant_id=pending["grant_id"] if pending else None,
        )
    except services.NoOrganisationAuthorised:
        return _problem(request, "No Xero organisation was picked at Xero, so nothing was connected.", status=200)
    except client.XeroError as exc:
        logger.warning("Xero code exchange failed", extra={"error": type(exc).__name__})
        return _problem(request, _friendly(exc), status=502)
    request.session.pop(SESSION_CONSENT, None)
    if len(consent.tenants) == 1:
        return _link(request, grant_id=consent.grant_id, tenants=consent.tenants, chosen=[consent.tenants[0].tenant_id])
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
    linked = selectors.linked_tenant_ids(tenant_ids=[tenant.tenant_id for tenant in tenants])
    form = PickOrganisationsForm(
        request.POST or None,
        organisations=[
            (
                tenant.tenant_id,
                f"{tenant.tenant_name} (already linked)" if tenant.tenant_id in linked else tenant.tenant_name,
            )
            for tenant in tenants
        ],
        initial={"tenant_ids": sorted(linked)},
    )
    if request.method == "POST" and form.is_valid():
        del request.session[SESSION_CONSENT]
        return _link(request, grant_id=consent["grant_id"], tenants=tenants, chosen=form.cleaned_data["tenant_ids"])
    return render(request, "xero/pick.html", {"form": form, "any_linked": bool(linked)})


def _link(
    request: HtmxHttpRequest, *, grant_id: int, tenants: list[schemas.TenantConnection], chosen: list[str]
) -> HttpResponse:
    try:
        results = services.connections_link(
            grant_id=grant_id,
            tenants=tenants,
            chosen_tenant_ids=chosen,
            identity=xero_identity(request),
            user_id=request.user.pk,
            clock=timezone.now,
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
        "invoice_status": connection.invoice_status,
        "sales_account_code": connection.sales_account_code,
        "sales_tax_type": connection.sales_tax_type,
        **ConnectionOptionsForm.owners_initial(connection),
    }
    form = ConnectionOptionsForm(request.POST or None, initial=initial, organisation_id=connection.organisation_id)
    if request.method == "POST" and form.is_valid():
        services.connection_configure(
            connection_id=connection.pk,
            suppliers=form.cleaned_data["suppliers"],
            default_team_id=form.cleaned_data["default_team"].pk,
            sync_interval_seconds=form.cleaned_data["sync_interval_seconds"],
            push_crm_edits=form.cleaned_data["push_crm_edits"],
            accepted_quote_milestone_id=getattr(form.cleaned_data["accepted_quote_milestone"], "pk", None),
            invoice_status=form.cleaned_data["invoice_status"],
            sales_account_code=form.cleaned_data["sales_account_code"],
            sales_tax_type=form.cleaned_data["sales_tax_type"],
            field_owners=form.field_owners(),
        )
        messages.success(request, f"Options saved for {connection.name}.")
        if not selectors.sync_run_latest(connection_id=connection.pk):
            # Held back by Xero's rate limit, the first sync is left to beat, which runs it once the limit lifts.
            with contextlib.suppress(services.SyncHeldBack):
                if services.organisation_sync_request(connection_id=connection.pk, now=timezone.now()):
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
        services.connection_disconnect(connection_id=connection.pk, identity=xero_identity(request), clock=timezone.now)
    except client.XeroError as exc:
        logger.warning("Disconnecting a Xero organisation failed", extra={"error": type(exc).__name__})
        messages.error(request, _friendly(exc))
        return redirect("xero:integrations")
    messages.success(request, f"{connection.name} is disconnected. Its contacts and history stay in Capsync.")
    return redirect("xero:integrations")


@require_GET
def sync_status(request: HtmxHttpRequest, connection_id: int) -> HttpResponse:
    """The progress of an organisation's latest sync; polled every 2 s while one is queued or running, then
    polling stops."""
    connection = _connection(connection_id)
    progress = selectors.sync_progress(connection=connection, now=timezone.now())
    response = render(request, "xero/_sync_status.html", {"connection": connection, "progress": progress})
    return response if progress.polling else HttpResponseStopPolling(response.content)


@require_POST
@admin_with_mfa_required
def sync_now(request: HtmxHttpRequest, connection_id: int) -> HttpResponse:
    connection = _connection(connection_id)
    try:
        queue = services.organisation_sync_request(connection_id=connection.pk, now=timezone.now())
    except services.SyncHeldBack as exc:
        messages.warning(
            request,
            f"Xero's rate limit holds {connection.name} back, so nothing was sent to Xero. "
            f"Syncing resumes at {timezone.localtime(exc.until):%-d %b %H:%M}.",
        )
        return redirect("xero:integrations")
    if queue:
        tasks.organisation_sync.delay_on_commit(connection_id=connection.pk, kind=SyncRun.Kind.INCREMENTAL)
        messages.success(request, f"A sync of {connection.name} has been queued.")
    else:
        messages.info(request, f"A sync of {connection.name} is already queued; it brings in the latest changes.")
    return redirect("xero:integrations")
