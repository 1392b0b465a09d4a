"""The contact pages' forms: add and edit (details, and rows of emails, phones and addresses), the list's filters."""

from typing import Any

from django import forms
from django.core.validators import validate_email
from django.http import QueryDict

from accounts.models import Team, User
from accounts.selectors import teams_visible_to
from contacts.locks import locks_of
from contacts.models import PEOPLE_GETTING_INVOICES_MAX, Contact, EmailAddress, Tag
from contacts.rows import AddressData, EmailData, PhoneData
from contacts.selectors import ContactFilters, contacts_to_pick
from invoices.models import TermsType
from web.templatetags.bidi import nobidi

EMAIL_LABELS = [("work", "Work"), ("home", "Home"), ("other", "Other")]
PHONE_LABELS = [("work", "Work"), ("mobile", "Mobile"), ("home", "Home"), ("other", "Other")]
ADDRESS_LABELS = [("office", "Office"), ("home", "Home"), ("postal", "Postal"), ("other", "Other")]
BLANK_ROWS = 2
ADDRESS_FIELDS = ("street", "city", "region", "postcode", "country")
# What a scripted POST may leave out of the edit page and still keep (see ContactEdit).
KEPT_WHEN_ABSENT = ("team", "owner", "organisation", "tags", "about")


def _known(label: str, choices: list[tuple[str, str]]) -> str:
    """A stored label as the picker shows it: labels from Xero or the admin the picker lacks read "other"."""
    return label if label in {value for value, _ in choices} else "other"


class ContactPickerField(forms.ModelChoiceField):
    """A contact picker whose options show names without bidirectional controls, as every page does."""

    def label_from_instance(self, obj: Contact) -> str:
        return str(nobidi(obj.name))


class ContactDetailsForm(forms.Form):
    """A person's or organisation's own fields, and where it is filed: team and owner within the user's teams."""

    name = forms.CharField(max_length=255, required=False)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    job_title = forms.CharField(max_length=150, required=False)
    organisation = ContactPickerField(queryset=Contact.objects.none(), required=False, empty_label="None")
    gets_invoices = forms.BooleanField(
        required=False,
        label="Gets the organisation's invoices",
        help_text=f"Xero emails its invoices and reminders to them too (at most {PEOPLE_GETTING_INVOICES_MAX} "
        "people per organisation).",
    )
    payment_terms_day = forms.IntegerField(required=False, min_value=0, max_value=999, label="Payment due")
    payment_terms_type = forms.ChoiceField(
        choices=[("", "(the accounting system's default)"), *TermsType.choices], required=False, label="Counted as"
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")
    tags = forms.CharField(max_length=500, required=False, help_text="Separate tags with commas.")
    about = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, user: User, is_person: bool, organisation_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.is_person = is_person
        teams = teams_visible_to(user=user)
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = User.objects.filter(teams__in=teams).distinct().order_by("email")
        if is_person:
            del self.fields["name"]
            self.fields["organisation"].queryset = contacts_to_pick(
                user=user, kind=Contact.Kind.ORGANISATION, keep_id=organisation_id
            )
        else:
            del self.fields["first_name"], self.fields["last_name"], self.fields["job_title"]
            del self.fields["organisation"], self.fields["gets_invoices"]
            self.fields["name"].required = True

    def name_fields(self) -> list[forms.BoundField]:
        names = ("name", "first_name", "last_name", "job_title", "organisation", "gets_invoices")
        return [self[name] for name in names if name in self.fields]

    def payment_terms_fields(self) -> list[forms.BoundField]:
        return [self["payment_terms_day"], self["payment_terms_type"]]

    def filing_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("team", "owner", "tags")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.is_person and not (cleaned.get("first_name", "").strip() or cleaned.get("last_name", "").strip()):
            raise forms.ValidationError("Give a first name or a last name.")
        day, kind = cleaned.get("payment_terms_day"), cleaned.get("payment_terms_type")
        if (day is None) != (not kind) and "payment_terms_day" not in self.errors:
            self.add_error(
                "payment_terms_day" if day is None else "payment_terms_type",
                "Give both the number of days and how they count, or neither.",
            )
        elif kind in (TermsType.OFCURRENTMONTH, TermsType.OFFOLLOWINGMONTH) and day is not None and not 1 <= day <= 31:
            self.add_error("payment_terms_day", "A day of the month is 1 to 31.")
        if cleaned.get("gets_invoices") and self.is_person and not cleaned.get("organisation"):
            self.add_error("gets_invoices", "Only a person of an organisation gets its invoices: pick one above.")
        owner, team = cleaned.get("owner"), cleaned.get("team")
        if owner and team and not owner.teams.filter(pk=team.pk).exists():
            self.add_error("owner", f"{owner} is not a member of {team}: pick someone from that team.")
        return cleaned

    def tag_names(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


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
    label = forms.ChoiceField(choices=EMAIL_LABELS, initial="work", required=False)

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


class AddressRowForm(forms.Form):
    label = forms.ChoiceField(choices=ADDRESS_LABELS, initial="office", required=False)
    street = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    city = forms.CharField(max_length=255, required=False, label="Town or city")
    region = forms.CharField(max_length=255, required=False, label="County, state or region")
    postcode = forms.CharField(max_length=50, required=False)
    country = forms.CharField(max_length=100, required=False)

    def address_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ADDRESS_FIELDS]


EmailRows = forms.formset_factory(EmailRowForm, extra=BLANK_ROWS, max_num=20, absolute_max=20, validate_max=True)
PhoneRows = forms.formset_factory(PhoneRowForm, extra=BLANK_ROWS, max_num=20, absolute_max=20, validate_max=True)
AddressRows = forms.formset_factory(AddressRowForm, extra=1, max_num=10, absolute_max=10, validate_max=True)


class ContactEdit:
    """The add and edit page's forms: the details, and rows of emails, phones and addresses (Django formsets),
    filled from the contact (GET), from the posted data (POST), or blank for a new contact of `kind`.

    On an existing contact, a POST that leaves out a filing field (KEPT_WHEN_ABSENT: a script that edits only the
    details) keeps its current value; the page itself always sends them.
    """

    def __init__(
        self,
        *,
        user: User,
        contact: Contact | None = None,
        kind: str = "",
        data: QueryDict | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.is_person = contact.is_person if contact else kind == Contact.Kind.PERSON
        self.contact = contact
        # Details another system manages (contacts.locks): shown read-only, never taken from the POST.
        self.locks = locks_of(contact.pk if contact else None)
        team = teams_visible_to(user=user).first()
        details = {
            "team": team,
            "owner": user if team and team.members.filter(pk=user.pk).exists() else None,
            **(initial or {}),
        }
        if contact is not None:
            details = {
                "name": contact.name,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "job_title": contact.job_title,
                "organisation": contact.organisation_id,
                "team": contact.team_id,
                "owner": contact.owner_id,
                "tags": ", ".join(tag.name for tag in contact.tags.all()),
                "about": contact.about,
                "gets_invoices": contact.gets_invoices,
                "payment_terms_day": contact.payment_terms_day,
                "payment_terms_type": contact.payment_terms_type,
            }
            if data is not None and any(name not in data for name in KEPT_WHEN_ABSENT):
                data = data.copy()
                for name in KEPT_WHEN_ABSENT:
                    data.setdefault(name, "" if details[name] is None else str(details[name]))
            if data is not None and "payment_terms_type" not in data:  # a script that edits only the details
                data = data.copy()
                data["payment_terms_day"] = "" if contact.payment_terms_day is None else str(contact.payment_terms_day)
                data["payment_terms_type"] = contact.payment_terms_type
        self.details = ContactDetailsForm(
            data,
            user=user,
            is_person=self.is_person,
            initial=details,
            organisation_id=contact.organisation_id if contact else None,
        )
        held = list(contact.emails.all()) if contact else []
        self.emails = EmailRows(
            data,
            prefix="emails",
            initial=[{"address": email.address, "label": _known(email.label, EMAIL_LABELS)} for email in held],
            form_kwargs={"kept": frozenset(email.address for email in held)},
        )
        self.phones = PhoneRows(
            data,
            prefix="phones",
            initial=[
                {"number": phone.number, "label": _known(phone.label, PHONE_LABELS)}
                for phone in (contact.phones.all() if contact else [])
            ],
        )
        self.addresses = AddressRows(
            data,
            prefix="addresses",
            initial=[
                {
                    "label": _known(address.label, ADDRESS_LABELS),
                    **{name: getattr(address, name) for name in ADDRESS_FIELDS},
                }
                for address in (contact.addresses.all() if contact else [])
            ],
        )

        self._lock_fields()

    def _lock_fields(self) -> None:
        """Disable what another system manages: Django then keeps the initial value, whatever is posted."""
        locked_fields = {
            "name": [self.details.fields.get(name) for name in ("name", "first_name", "last_name")],
            "payment_terms": [self.details.fields[name] for name in ("payment_terms_day", "payment_terms_type")],
            "gets_invoices": [self.details.fields.get("gets_invoices")],
            "emails": [field for row in self.emails for field in row.fields.values()],
            "phones": [field for row in self.phones for field in row.fields.values()],
            "addresses": [field for row in self.addresses for field in row.fields.values()],
        }
        for detail in self.locks:
            for field in locked_fields.get(detail, []):
                if field is not None:
                    field.disabled = True

    def is_valid(self) -> bool:
        return all([self.details.is_valid(), self.emails.is_valid(), self.phones.is_valid(), self.addresses.is_valid()])

    def _rows(self, formset: forms.BaseFormSet, field: str) -> list[dict[str, Any]]:
        return [row for row in formset.cleaned_data if str(row.get(field, "")).strip()]

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of services.contact_create and contact_update (but kind, contact_id, now)."""
        details = self.details.cleaned_data
        arguments = {
            "name": details.get("name", ""),
            "first_name": details.get("first_name", ""),
            "last_name": details.get("last_name", ""),
            "job_title": details.get("job_title", ""),
            "about": details["about"],
            "team_id": details["team"].pk,
            "owner_id": details["owner"].pk if details["owner"] else None,
            "tags": self.details.tag_names(),
            # A row sent without a label (a script) keeps the address's label: contact_update takes it as a string.
            "emails": [
                EmailData(address=row["address"], label=row["label"]) if row.get("label") else row["address"]
                for row in self._rows(self.emails, "address")
            ],
            "phones": [
                PhoneData(number=row["number"], label=row.get("label") or "work")
                for row in self._rows(self.phones, "number")
            ],
            "addresses": [
                AddressData(label=row.get("label") or "office", **{name: row.get(name, "") for name in ADDRESS_FIELDS})
                for row in self.addresses.cleaned_data
                if any(row.get(name) for name in ADDRESS_FIELDS)
            ],
        }
        day = details.get("payment_terms_day")
        arguments["payment_terms"] = (day, details.get("payment_terms_type") or "") if day is not None else (None, "")
        if self.is_person:
            arguments["organisation_id"] = details["organisation"].pk if details["organisation"] else None
            arguments["gets_invoices"] = bool(details.get("gets_invoices")) and arguments["organisation_id"] is not None
        for detail in self.locks:  # another system's: left as they are
            for name in {"name": ("name", "first_name", "last_name")}.get(detail, (detail,)):
                arguments.pop(name, None)
        if "name" in self.locks and self.contact is not None:
            arguments.update(
                name=self.contact.name, first_name=self.contact.first_name, last_name=self.contact.last_name
            )
        return arguments

    def duplicate_facts(self) -> dict[str, Any]:
        """What contacts.selectors.contact_duplicates compares: the name, emails and phones being saved."""
        details = self.details.cleaned_data
        name = details.get("name") or f"{details.get('first_name', '')} {details.get('last_name', '')}".strip()
        return {
            "name": name,
            "emails": [row["address"] for row in self._rows(self.emails, "address")],
            "phones": [row["number"] for row in self._rows(self.phones, "number")],
        }


class ContactFilterForm(forms.Form):
    """The filters above the People & Organisations list (GET parameters; anything unusable is ignored)."""

    q = forms.CharField(required=False, label="Search")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False, empty_label="Any tag")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Anyone")
    overdue = forms.BooleanField(required=False, label="Has overdue invoices")
    linked = forms.BooleanField(required=False, label="Linked to Xero")
    archived = forms.BooleanField(required=False, label="Archived")
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
            search=data["q"],
            team_id=data["team"].pk if data["team"] else None,
            tag_id=data["tag"].pk if data["tag"] else None,
            owner_id=data["owner"].pk if data["owner"] else None,
            has_overdue_invoices=data["overdue"],
            linked_to_xero=data["linked"],
            archived=data["archived"],
            sort=data["sort"] or "name",
        )
