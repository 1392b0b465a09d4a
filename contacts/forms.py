"""The contact edit page's forms: the details, and a few rows each of emails and phones."""

from typing import Any

from django import forms
from django.core.validators import validate_email
from django.http import QueryDict

from accounts.models import Team, User
from accounts.selectors import teams_visible_to
from contacts.models import Contact, EmailAddress, Tag
from contacts.selectors import ContactFilters
from contacts.services import AddressData, PhoneData

PHONE_LABELS = [("work", "Work"), ("mobile", "Mobile"), ("home", "Home"), ("other", "Other")]
BLANK_ROWS = 2
ADDRESS_FIELDS = ("street", "city", "region", "postcode", "country")


class ContactDetailsForm(forms.Form):
    name = forms.CharField(max_length=255, required=False)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    job_title = forms.CharField(max_length=150, required=False)
    street = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    city = forms.CharField(max_length=255, required=False, label="Town or city")
    region = forms.CharField(max_length=255, required=False, label="County, state or region")
    postcode = forms.CharField(max_length=50, required=False)
    country = forms.CharField(max_length=100, required=False)

    def __init__(self, *args: Any, is_person: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_person = is_person
        if is_person:
            del self.fields["name"]
        else:
            del self.fields["first_name"], self.fields["last_name"]
            self.fields["name"].required = True

    def name_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "first_name", "last_name", "job_title") if name in self.fields]

    def address_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ADDRESS_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.is_person and not (cleaned.get("first_name", "").strip() or cleaned.get("last_name", "").strip()):
            raise forms.ValidationError("Give a first name or a last name.")
        return cleaned


EMAIL_MAX_LENGTH = EmailAddress._meta.get_field("address").max_length  # 254, the column's (forms allow 320)


def _email_valid(address: str) -> bool:
    try:
        validate_email(address)
    except forms.ValidationError:
        return False
    return True


class EmailRowForm(forms.Form):
    """One email row. A new address must be valid; one the contact already holds (an invalid one may come from
    Xero) is kept as it is, shown flagged, so the rest of the form can still be saved."""

    address = forms.CharField(max_length=EMAIL_MAX_LENGTH, required=False, label="Email", widget=forms.EmailInput)

    def __init__(self, *args: Any, kept: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept = kept

    def clean_address(self) -> str:
        address = self.cleaned_data["address"].strip()
        if address and address not in self.kept and not _email_valid(address):
            raise forms.ValidationError("Enter a valid email address.", code="invalid")
        return address

    @property
    def flagged(self) -> bool:
        """Whether the row shows an address the contact holds that is not a valid email."""
        address = str(self["address"].value() or "").strip()
        return address in self.kept and not _email_valid(address)


class PhoneRowForm(forms.Form):
    number = forms.CharField(max_length=50, required=False, label="Phone")
    label = forms.ChoiceField(choices=PHONE_LABELS, initial="work", required=False)


EmailRows = forms.formset_factory(EmailRowForm, extra=BLANK_ROWS, max_num=20, absolute_max=20)
PhoneRows = forms.formset_factory(PhoneRowForm, extra=BLANK_ROWS, max_num=20, absolute_max=20)


class ContactEdit:
    """The three forms of the edit page, filled from the contact (GET) or the posted data (POST)."""

    def __init__(self, contact: Contact, data: QueryDict | None = None) -> None:
        address = next(iter(contact.addresses.all()), None)
        self.details = ContactDetailsForm(data, is_person=contact.is_person, initial={
            "name": contact.name, "first_name": contact.first_name, "last_name": contact.last_name,
            "job_title": contact.job_title,
            **({"street": address.street, "city": address.city, "region": address.region,
                "postcode": address.postcode, "country": address.country} if address else {}),
        })
        held = [email.address for email in contact.emails.all()]
        self.emails = EmailRows(data, prefix="emails", initial=[{"address": address} for address in held],
                                form_kwargs={"kept": frozenset(held)})
        known_labels = {value for value, _ in PHONE_LABELS}
        self.phones = PhoneRows(data, prefix="phones", initial=[
            {"number": phone.number, "label": phone.label if phone.label in known_labels else "other"}
            for phone in contact.phones.all()
        ])

    def is_valid(self) -> bool:
        return all([self.details.is_valid(), self.emails.is_valid(), self.phones.is_valid()])

    def update_arguments(self) -> dict[str, Any]:
        """The keyword arguments of services.contact_update (all but contact_id and now), once valid."""
        details = self.details.cleaned_data
        return {
            "name": details.get("name", ""),
            "first_name": details.get("first_name", ""),
            "last_name": details.get("last_name", ""),
            "job_title": details.get("job_title", ""),
            "emails": [row["address"] for row in self.emails.cleaned_data if row.get("address")],
            "phones": [PhoneData(number=row["number"], label=row.get("label") or "work")
                       for row in self.phones.cleaned_data if row.get("number")],
            "address": AddressData(street=details["street"], city=details["city"], region=details["region"],
                                   postcode=details["postcode"], country=details["country"]),
        }


class ContactFilterForm(forms.Form):
    """The filters above the People & Organisations list (GET parameters; anything unusable is ignored)."""

    q = forms.CharField(required=False, label="Search")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False, empty_label="Any tag")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Anyone")
    overdue = forms.BooleanField(required=False, label="Has overdue invoices")
    linked = forms.BooleanField(required=False, label="Linked to Xero")
    sort = forms.ChoiceField(choices=[("name", "Name"), ("recent", "Recently updated")], required=False)

    def __init__(self, data: object, *, user: User) -> None:
        super().__init__(data)
        teams = teams_visible_to(user=user)
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = User.objects.filter(teams__in=teams).distinct().order_by("email")

    def filters(self) -> ContactFilters:
        if not self.is_valid():
            return ContactFilters(search=str(self.data.get("q", "")))
        data = self.cleaned_data
        return ContactFilters(
            search=data["q"], team_id=data["team"].pk if data["team"] else None,
            tag_id=data["tag"].pk if data["tag"] else None, owner_id=data["owner"].pk if data["owner"] else None,
            has_overdue_invoices=data["overdue"], linked_to_xero=data["linked"], sort=data["sort"] or "name",
        )
