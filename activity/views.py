"""The history's pages and HTMX partials: the timelines, notes edited in place, tasks and "My tasks".

Every record is loaded through `activity.selectors` (the contact or opportunity the user may see), so another
team's user gets a 404. Writes answer HTMX with the swapped partial and an HX-Trigger event (`history-changed`
reloads the timeline; `task-changed` tells listeners a task moved); without JavaScript they redirect.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from activity import history, selectors, services
from activity.forms import NoteForm, TaskForm
from activity.models import Note, Task
from contacts.models import Contact
from opportunities.models import Opportunity
from web.http import HtmxHttpRequest

HISTORY = "activity/history.html"


def _page_number(request: HtmxHttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _subject(request: HtmxHttpRequest, *, contact_id: int | None, opportunity_id: int | None) -> dict[str, object]:
    """The contact or opportunity a history belongs to, with its URLs; 404 unless the user may see it."""
    try:
        if opportunity_id is not None:
            opportunity = selectors.opportunity_for_history(user=request.user, opportunity_id=opportunity_id)
            return {
                "opportunity": opportunity,
                "contact": opportunity.contact,
                "subject": opportunity,
                "history_url": reverse("activity:opportunity_history", args=[opportunity.pk]),
                "note_url": reverse("activity:opportunity_note_create", args=[opportunity.pk]),
                "task_url": reverse("activity:opportunity_task_create", args=[opportunity.pk]),
                "back_url": reverse("opportunities:detail", args=[opportunity.pk]),
            }
        contact = selectors.contact_for_history(user=request.user, contact_id=contact_id)
    except (Contact.DoesNotExist, Opportunity.DoesNotExist):
        raise Http404("Nothing with that id is visible to you.") from None
    return {
        "opportunity": None,
        "contact": contact,
        "subject": contact,
        "history_url": reverse("activity:contact_history", args=[contact.pk]),
        "note_url": reverse("activity:contact_note_create", args=[contact.pk]),
        "task_url": reverse("activity:contact_task_create", args=[contact.pk]),
        "back_url": reverse("contacts:detail", args=[contact.pk]),
    }


def _history(request: HtmxHttpRequest, subject: dict[str, object], **forms: object) -> HttpResponse:
    """The history section (HTMX), one more page of it (HTMX, page > 1), or a page of its own without JS."""
    show, page = history.Show.parse(request.GET.get("show")), _page_number(request)
    now = timezone.now()
    if subject["opportunity"] is not None:
        found = history.opportunity_history(
            user=request.user, opportunity_id=subject["opportunity"].pk, show=show, page=page, now=now
        )
    else:
        found = history.contact_history(
            user=request.user, contact_id=subject["contact"].pk, show=show, page=page, now=now
        )
    partial = "#history-page" if page > 1 else "#history-section"
    context = {
        **subject,
        "page": found,
        "shows": list(history.Show),
        "note_form": forms.get("note_form") or NoteForm(),
        "task_form": forms.get("task_form") or TaskForm(user=request.user, initial={"due_on": timezone.localdate()}),
    }
    return render(request, HISTORY + (partial if request.htmx else ""), context)


@require_GET
def contact_history(request: HtmxHttpRequest, contact_id: int) -> HttpResponse:
    return _history(request, _subject(request, contact_id=contact_id, opportunity_id=None))


@require_GET
def opportunity_history(request: HtmxHttpRequest, opportunity_id: int) -> HttpResponse:
    return _history(request, _subject(request, contact_id=None, opportunity_id=opportunity_id))


@require_POST
def note_create(
    request: HtmxHttpRequest, contact_id: int | None = None, opportunity_id: int | None = None
) -> HttpResponse:
    """Log a note, call, meeting or email; a refused one comes back on its form with what was typed."""
    subject = _subject(request, contact_id=contact_id, opportunity_id=opportunity_id)
    form, now = NoteForm(request.POST), timezone.now()
    if form.is_valid():
        try:
            services.note_create(
                contact_id=subject["contact"].pk,
                author_id=request.user.pk,
                opportunity_id=subject["opportunity"].pk if subject["opportunity"] else None,
                now=now,
                **form.arguments(now=now),
            )
        except services.NoteInvalid as exc:
            form.add_error(None, str(exc))
        else:
            if not request.htmx:
                messages.success(request, "Saved to the history.")
                return redirect(subject["back_url"])
            return trigger_client_event(HttpResponse(status=204), "history-changed")
    if request.htmx:
        return render(request, HISTORY + "#note-form", {**subject, "note_form": form})
    return _history(request, subject, note_form=form)


def _task_saved(
    request: HtmxHttpRequest, form: TaskForm, *, contact_id: int | None = None, opportunity_id: int | None = None
) -> bool:
    """Store the task the form describes; False (with the reason on the form, nothing stored) when refused."""
    if not form.is_valid():
        return False
    try:
        services.task_create(
            title=form.cleaned_data["title"],
            due_on=form.cleaned_data["due_on"],
            owner_id=form.cleaned_data["owner"].pk,
            created_by_id=request.user.pk,
            now=timezone.now(),
            today=timezone.localdate(),
            contact_id=contact_id,
            opportunity_id=opportunity_id,
        )
    except services.TaskInvalid as exc:
        form.add_error(exc.field, str(exc))
        return False
    return True


@require_POST
def task_create(
    request: HtmxHttpRequest, contact_id: int | None = None, opportunity_id: int | None = None
) -> HttpResponse:
    """Set a follow-up task on the contact or opportunity; a refused one comes back on its form."""
    subject = _subject(request, contact_id=contact_id, opportunity_id=opportunity_id)
    form = TaskForm(request.POST, user=request.user)
    opportunity = subject["opportunity"]
    if _task_saved(
        request, form, contact_id=subject["contact"].pk, opportunity_id=opportunity.pk if opportunity else None
    ):
        if not request.htmx:
            messages.success(request, "Task added.")
            return redirect(subject["back_url"])
        return trigger_client_event(HttpResponse(status=204), "history-changed")
    if request.htmx:
        return render(request, HISTORY + "#task-form", {**subject, "task_form": form})
    return _history(request, subject, task_form=form)


def _visible_note(request: HtmxHttpRequest, note_id: int) -> Note:
    try:
        return selectors.note_detail(user=request.user, note_id=note_id)
    except Note.DoesNotExist:
        raise Http404("No note with that id is visible to you.") from None


def _note_home(note: Note) -> str:
    if note.opportunity_id:
        return reverse("opportunities:detail", args=[note.opportunity_id])
    return reverse("contacts:detail", args=[note.contact_id])


@require_GET
def note_detail(request: HtmxHttpRequest, note_id: int) -> HttpResponse:
    """One note as the timeline shows it (what "Cancel" swaps back in)."""
    note = _visible_note(request, note_id)
    if not request.htmx:
        return redirect(_note_home(note))
    return render(request, HISTORY + "#note-item", {"note": note})


@require_http_methods(["GET", "POST"])
def note_edit(request: HtmxHttpRequest, note_id: int) -> HttpResponse:
    """Edit a note in place: the form replaces the note, and saving swaps the note back."""
    note = _visible_note(request, note_id)
    form = NoteForm.of(note)
    if request.method == "POST":
        form = NoteForm(request.POST, prefix=f"note-{note.pk}")
        if form.is_valid():
            now = timezone.now()
            try:
                note = services.note_update(note_id=note.pk, now=now, **form.arguments(now=now))
            except services.NoteInvalid as exc:
                form.add_error(None, str(exc))
            else:
                if not request.htmx:
                    messages.success(request, "Note saved.")
                    return redirect(_note_home(note))
                note = selectors.note_detail(user=request.user, note_id=note.pk)
                return trigger_client_event(render(request, HISTORY + "#note-item", {"note": note}), "note-changed")
    template = "activity/note_edit.html" + ("#note-edit" if request.htmx else "")
    return render(request, template, {"note": note, "form": form})


@require_POST
def note_delete(request: HtmxHttpRequest, note_id: int) -> HttpResponse:
    note = _visible_note(request, note_id)
    services.note_delete(note_id=note.pk)
    if not request.htmx:
        messages.success(request, "Note deleted.")
        return redirect(_note_home(note))
    return trigger_client_event(HttpResponse(""), "note-changed")


@require_GET
def my_tasks(request: HtmxHttpRequest) -> HttpResponse:
    tasks = selectors.my_tasks(user=request.user, today=timezone.localdate())
    template = "activity/my_tasks.html" + ("#task-lists" if request.htmx else "")
    return render(
        request,
        template,
        {"tasks": tasks, "task_form": TaskForm(user=request.user, initial={"due_on": timezone.localdate()})},
    )


@require_POST
def my_task_create(request: HtmxHttpRequest) -> HttpResponse:
    """A task about nothing in particular (from "My tasks"); a refused one comes back on the page's form."""
    form = TaskForm(request.POST, user=request.user)
    if _task_saved(request, form):
        messages.success(request, "Task added.")
        return redirect("activity:my_tasks")
    tasks = selectors.my_tasks(user=request.user, today=timezone.localdate())
    return render(request, "activity/my_tasks.html", {"tasks": tasks, "task_form": form})


@require_POST
def task_complete(request: HtmxHttpRequest, task_id: int) -> HttpResponse:
    """Tick a task off (or, with `undo=1`, reopen it); HTMX gets the task's row back, done."""
    try:
        task = selectors.task_detail(user=request.user, task_id=task_id)
    except Task.DoesNotExist:
        raise Http404("No task with that id is visible to you.") from None
    if request.POST.get("undo") == "1":
        task = services.task_reopen(task_id=task.pk)
    else:
        task = services.task_complete(task_id=task.pk, user_id=request.user.pk, now=timezone.now())
    if not request.htmx:
        back = request.POST.get("back", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        return redirect(back if back and safe else reverse("activity:my_tasks"))
    response = render(request, "activity/_task_row.html", {"task": task, "today": timezone.localdate()})
    return trigger_client_event(response, "task-changed")
