from django import forms

from accounts.models import Team, User
from accounts.selectors import teams_visible_to
from imports.columns import CONTACTS, FIELDS, OPPORTUNITIES, SKIP
from imports.csvfile import MAX_BYTES
from imports.models import Import

KIND_CHOICES = [
    ("", "Work it out from the columns"),
    (CONTACTS, "People and organisations"),
    (OPPORTUNITIES, "Opportunities"),
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="A Capsule CRM export is read as it is; other files are mapped column by column on the next page.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), empty_label=None, help_text="Rows without a Team column go to this team."
    )
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False, label="The file holds")

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_visible_to(user=user)

    def clean_file(self) -> object:
        # Refused by its size before it is read into memory (imports.csvfile.decode checks again).
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it in parts.")
        return upload


class MappingForm(forms.Form):
    """One select per column (named column_<position>), plus what the file holds and what untyped rows are."""

    kind = forms.ChoiceField(choices=KIND_CHOICES[1:], label="The file holds")
    default_kind = forms.ChoiceField(
        choices=[("person", "People"), ("organisation", "Organisations")], label="Rows without a type are"
    )

    def __init__(self, *args: object, import_: Import, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "kind": import_.kind,
                "default_kind": import_.default_kind,
                **{f"column_{index}": key for index, key in enumerate(import_.mapping)},
            },
        )
        super().__init__(*args, **kwargs)
        kind = self.data.get("kind") if self.is_bound and self.data.get("kind") in FIELDS else import_.kind
        choices = [(SKIP, "Don't import"), *((field.key, field.label) for field in FIELDS[kind])]
        self.columns = []
        for index, header in enumerate(import_.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                choices=choices, required=False, label=header or f"Column {index + 1}"
            )
            self.columns.append(name)

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(name) or SKIP for name in self.columns]

    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.columns]
