from django import forms

from accounts.models import Team
from integrations.xero.models import XeroConnection

SYNC_INTERVALS = [
    (30 * 60, "Every 30 minutes"),
    (60 * 60, "Every hour"),
    (2 * 60 * 60, "Every 2 hours (recommended)"),
    (6 * 60 * 60, "Every 6 hours"),
    (24 * 60 * 60, "Once a day"),
]


class ConnectionOptionsForm(forms.Form):
    suppliers = forms.ChoiceField(
        choices=XeroConnection.Suppliers.choices, widget=forms.RadioSelect,
        help_text="Suppliers are Xero contacts you buy from. Customers are always brought in.",
    )
    default_team = forms.ModelChoiceField(
        queryset=Team.objects.all(), empty_label=None,
        help_text="New contacts brought in from this organisation belong to this team.",
    )
    sync_interval_seconds = forms.TypedChoiceField(choices=SYNC_INTERVALS, coerce=int, label="Sync")
    push_crm_edits = forms.BooleanField(
        required=False, label="Send edits made in Capsync to Xero",
        help_text="Capsync is the source of truth for contact details of linked contacts.",
    )


class PickOrganisationsForm(forms.Form):
    tenant_ids = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, label="Organisations to link",
        error_messages={"required": "Pick at least one organisation to link."},
    )

    def __init__(self, *args: object, organisations: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tenant_ids"].choices = organisations
