"""The history's forms: a note (or logged call, meeting, email) and a follow-up task.

Forms parse and say what is missing; the rules on what may be stored live in `activity.services`, whose named
errors the views put back on the form, so a refused submission saves nothing and keeps what was typed.
"""

from datetime import datetime

from django import forms

from accounts.models import User
from activity.models import Note
from activity.selectors import assignable_owners
from activity.services import NOTE_MAX_LENGTH, TASK_TITLE_MAX_LENGTH


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label="What",
        choices=Note.Kind.choices,
        initial=Note.Kind.CALL,
        error_messages={"invalid_choice": "Choose note, call, meeting or email."},
    )
    body = forms.CharField(
        label="Notes",
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What was said, what was agreed…"}),
        error_messages={
            "required": "Write something: an empty note can't be saved.",
            "max_length": f"Keep a note under {NOTE_MAX_LENGTH:,} characters.",
        },
    )
    happened_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now.",
        error_messages={"invalid": "Enter the date and time it happened, like 2026-03-14 15:30."},
    )

    def arguments(self, *, now: datetime) -> dict[str, object]:
        """The service's arguments (an empty time means `now`)."""
        data = self.cleaned_data
        return {"kind": data["kind"], "body": data["body"], "happened_at": data["happened_at"] or now}

    @classmethod
    def of(cls, note: Note) -> "NoteForm":
        return cls(
            initial={"kind": note.kind, "body": note.body, "happened_at": note.happened_at}, prefix=f"note-{note.pk}"
        )


class TaskForm(forms.Form):
    title = forms.CharField(
        label="Task",
        max_length=TASK_TITLE_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "Follow up on the proposal"}),
        error_messages={
            "required": "Say what needs doing: a task needs a title.",
            "max_length": f"Keep the title under {TASK_TITLE_MAX_LENGTH} characters.",
        },
    )
    due_on = forms.DateField(
        label="Due",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give the task a due date.",
            "invalid": "Enter the due date as a date, like 2026-03-14.",
        },
    )
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose someone in your teams to own the task."},
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners(user=user)
        self.fields["owner"].initial = user.pk
        self.fields["owner"].label_from_instance = lambda owner: str(owner)
