"""Import pages: upload, map the columns, preview, then follow the run's progress to its report."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from imports import selectors, services, tasks
from imports.csvfile import FileUnreadable
from imports.forms import MappingForm, UploadForm
from imports.models import Import
from web.http import HtmxHttpRequest


def _visible_import(request: HtmxHttpRequest, import_id: int) -> Import:
    try:
        return selectors.import_get(user=request.user, import_id=import_id)
    except Import.DoesNotExist:
        raise Http404("No import with that id is visible to you.") from None


@require_http_methods(["GET", "POST"])
def import_new(request: HtmxHttpRequest) -> HttpResponse:
    """Upload a CSV file; the next page maps its columns."""
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            import_ = services.import_create(
                user_id=request.user.pk,
                team_id=form.cleaned_data["team"].pk,
                filename=upload.name,
                data=upload.read(),
                kind=form.cleaned_data["kind"],
            )
        except (FileUnreadable, services.TeamNotAllowed) as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("imports:mapping", import_id=import_.pk)
    recent = selectors.imports_visible_to(user=request.user)[:10]
    return render(request, "imports/import_new.html", {"form": form, "recent": recent})


@require_http_methods(["GET", "POST"])
def import_mapping(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    """Each column with a select of Capsync's fields, prefilled where the header is recognised."""
    import_ = _visible_import(request, import_id)
    form = MappingForm(request.POST or None, import_=import_)
    if request.method == "POST":
        try:
            if "remap" in request.POST:
                services.import_kind_change(import_id=import_.pk, kind=request.POST.get("kind", ""))
                return redirect("imports:mapping", import_id=import_.pk)
            if form.is_valid():
                services.import_map(
                    import_id=import_.pk,
                    kind=form.cleaned_data["kind"],
                    default_kind=form.cleaned_data["default_kind"],
                    mapping=form.mapping(),
                )
                return redirect("imports:preview", import_id=import_.pk)
        except (services.MappingInvalid, services.ImportNotEditable) as exc:
            form.add_error(None, str(exc))
    samples = {index: values for index, _, values in selectors.column_samples(import_=import_)}
    columns = [(field, samples[index]) for index, field in enumerate(form.column_fields())]
    return render(request, "imports/import_mapping.html", {"import": import_, "form": form, "columns": columns})


@require_GET
def import_preview(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    """What importing would do to each row, and every row's problems, before anything is written."""
    import_ = _visible_import(request, import_id)
    preview = selectors.import_preview(import_=import_)
    return render(request, "imports/import_preview.html", {"import": import_, "preview": preview})


@require_POST
def import_start(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    """Queue the import (or run it again) and follow its progress."""
    import_ = _visible_import(request, import_id)
    try:
        services.import_queue(import_id=import_.pk)
    except services.ImportNotEditable as exc:
        messages.error(request, str(exc))
    else:
        tasks.import_run.delay_on_commit(import_id=import_.pk)
    return redirect("imports:detail", import_id=import_.pk)


@require_GET
def import_detail(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    """The run's progress bar, polled every second while it runs, then its report."""
    import_ = _visible_import(request, import_id)
    template = "imports/import_detail.html" + ("#import-progress" if request.htmx else "")
    response = render(request, template, {"import": import_})
    if request.htmx and import_.is_finished:
        return HttpResponseStopPolling(response.content)
    return response


@require_GET
def import_skipped(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    """The rows the last run skipped, as CSV with why, to fix and import again."""
    import_ = _visible_import(request, import_id)
    # Whole, not streamed: a file is at most 20 MB, and a plain response is what every client and test reads.
    response = HttpResponse("".join(selectors.skipped_rows_csv(import_=import_)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="skipped-rows-{import_.pk}.csv"'
    return response
