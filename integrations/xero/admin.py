"""The admin site's Xero pages: conflicts to resolve (with the evidence side by side), sync errors and runs,
and connections (no token is ever shown)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from accounts.two_factor import TwoFactor, two_factor_of
from contacts.services import ContactDetailsInvalid
from integrations.xero import conflicts, selectors, services, tasks
from integrations.xero.models import MatchConflict, SyncError, SyncRun, XeroConnection


def _require_mfa_admin(request: HttpRequest) -> None:
    if not (request.user.is_authenticated and request.user.is_admin and two_factor_of(request) == TwoFactor.PASSED):
        raise PermissionDenied("Resolving conflicts needs an admin who signed in with two-factor authentication.")


@admin.register(MatchConflict)
class MatchConflictAdmin(admin.ModelAdmin):
    list_display = ["xero_name", "kind", "organisation", "candidate_count", "status", "resolution", "created_at"]
    list_filter = ["kind", "status", "resolution", "xero_contact__connection"]
    search_fields = ["xero_contact__name", "xero_contact__email", "name"]
    list_select_related = ["xero_contact__connection__organisation"]
    readonly_fields = [
        "kind",
        "xero_contact",
        "contact",
        "name",
        "status",
        "resolution",
        "resolved_contact",
        "resolved_by",
        "resolved_at",
        "created_at",
    ]
    exclude = ["candidates"]
    actions = ["create_new_contacts", "ignore_xero_contacts"]
    change_form_template = "admin/xero/matchconflict/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: MatchConflict | None = None) -> bool:
        return False

    @admin.display(description="Xero contact", ordering="xero_contact__name")
    def xero_name(self, conflict: MatchConflict) -> str:
        return conflict.xero_contact.name

    @admin.display(description="Organisation")
    def organisation(self, conflict: MatchConflict) -> str:
        return conflict.xero_contact.connection.label

    @admin.display(description="Candidates")
    def candidate_count(self, conflict: MatchConflict) -> int:
        return len(conflict.candidates)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        conflict = get_object_or_404(
            MatchConflict.objects.select_related("xero_contact__connection__organisation", "contact__team"),
            pk=object_id,
        )
        # Nothing on a conflict is edited by hand: it is resolved with the evidence's buttons, and kept as the audit.
        extra_context = {
            **(extra_context or {}),
            "conflict": conflict,
            "candidates": selectors.conflict_evidence(conflict=conflict),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list:
        return [
            path(
                "<int:conflict_id>/resolve/<str:action>/",
                self.admin_site.admin_view(self.resolve_view),
                name="xero_matchconflict_resolve",
            ),
            *super().get_urls(),
        ]

    def _resolve(
        self, request: HttpRequest, conflict_id: int, action: str, contact_id: int | None, name: str = ""
    ) -> str:
        _require_mfa_admin(request)
        arguments = {"conflict_id": conflict_id, "user_id": request.user.pk, "now": timezone.now()}
        kind = get_object_or_404(MatchConflict.objects.values_list("kind", flat=True), pk=conflict_id)
        if kind == MatchConflict.Kind.NAME and action == "link":
            conflict = conflicts.conflict_resolve_name_link(**arguments)
        elif kind == MatchConflict.Kind.NAME and action == "rename" and name.strip():
            conflict = conflicts.conflict_resolve_rename(name=name, **arguments)
        elif kind == MatchConflict.Kind.NAME and action == "cancel":
            conflict = conflicts.conflict_resolve_cancel(**arguments)
        elif kind == MatchConflict.Kind.MATCH and action == "link" and contact_id:
            conflict = conflicts.conflict_resolve_link(contact_id=contact_id, **arguments)
        elif kind == MatchConflict.Kind.MATCH and action == "create":
            conflict = conflicts.conflict_resolve_create(**arguments)
        elif kind == MatchConflict.Kind.MATCH and action == "ignore":
            conflict = conflicts.conflict_resolve_ignore(**arguments)
        else:
            raise PermissionDenied("Unknown action.")
        self.log_change(request, conflict, f"Resolved: {conflict.get_resolution_display()}")
        return f"{conflict.xero_contact.name}: {conflict.get_resolution_display().lower()}."

    @method_decorator(require_POST)
    def resolve_view(self, request: HttpRequest, conflict_id: int, action: str) -> HttpResponse:
        two_factor = two_factor_of(request)
        if two_factor != TwoFactor.PASSED:  # the admin site asks the same; say what is missing
            return render(request, "xero/forbidden.html", {"reason": two_factor.value}, status=403)
        contact_id = int(request.POST["contact_id"]) if request.POST.get("contact_id", "").isdigit() else None
        try:
            messages.success(
                request, self._resolve(request, conflict_id, action, contact_id, name=request.POST.get("name", ""))
            )
        except (
            conflicts.ConflictAlreadyResolved,
            conflicts.ContactAlreadyLinked,
            conflicts.NameStillTaken,
            ContactDetailsInvalid,
        ) as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("admin:xero_matchconflict_change", args=[conflict_id]))
        return HttpResponseRedirect(reverse("admin:xero_matchconflict_changelist"))

    @admin.action(description="Create a new CRM contact for each selected conflict")
    def create_new_contacts(self, request: HttpRequest, queryset: QuerySet[MatchConflict]) -> None:
        self._bulk(request, queryset, "create")

    @admin.action(description="Ignore the selected Xero contacts")
    def ignore_xero_contacts(self, request: HttpRequest, queryset: QuerySet[MatchConflict]) -> None:
        self._bulk(request, queryset, "ignore")

    def _bulk(self, request: HttpRequest, queryset: QuerySet[MatchConflict], action: str) -> None:
        open_matches = queryset.filter(status=MatchConflict.Status.OPEN, kind=MatchConflict.Kind.MATCH)
        for conflict_id in open_matches.values_list("pk", flat=True):
            messages.success(request, self._resolve(request, conflict_id, action, None))


@admin.register(SyncError)
class SyncErrorAdmin(admin.ModelAdmin):
    list_display = ["resource", "record_id", "reason", "connection", "created_at", "resolved_at"]
    list_filter = ["resource", "connection", "resolved_at"]
    list_select_related = ["connection__organisation"]
    readonly_fields = ["connection", "run", "resource", "record_id", "reason", "payload", "created_at", "resolved_at"]
    actions = ["fetch_again"]

    @admin.action(description="Fetch the selected records from Xero again")
    def fetch_again(self, request: HttpRequest, queryset: QuerySet[SyncError]) -> None:
        connection_ids = services.sync_errors_retry(
            error_ids=list(queryset.values_list("pk", flat=True)), now=timezone.now()
        )
        tasks.organisation_syncs_enqueue(connection_ids=connection_ids, kind=SyncRun.Kind.WEBHOOK)
        messages.success(request, f"Asked Xero again for the records of {len(connection_ids)} organisation(s).")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["connection", "kind", "outcome", "stage", "done", "api_calls", "started_at", "finished_at"]
    list_filter = ["outcome", "kind", "connection"]
    list_select_related = ["connection__organisation"]
    readonly_fields = [field.name for field in SyncRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(XeroConnection)
class XeroConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "base_currency", "short_code", "status", "last_successful_sync_at", "default_team"]
    list_filter = ["status"]
    list_select_related = ["organisation", "default_team"]
    # The grant holds the encrypted tokens; it is neither shown nor editable here.
    exclude = ["grant"]
    readonly_fields = [
        "tenant_id",
        "xero_connection_id",
        "organisation",
        "short_code",
        "base_currency",
        "timezone",
        "status",
        "status_reason",
        "rate_limited_until",
        "connected_by",
        "connected_at",
        "disconnected_at",
        "last_successful_sync_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
