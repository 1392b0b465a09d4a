"""What the contact edit page posts: the details plus the email and phone rows (Django formsets)."""


def edit_form(*, name: str = "", first_name: str = "", last_name: str = "", job_title: str = "",
              emails: tuple[str, ...] = (), phones: tuple[tuple[str, str], ...] = (), street: str = "",
              city: str = "", region: str = "", postcode: str = "", country: str = "") -> dict[str, str]:
    """The POST body for `contacts:edit`; `phones` are (number, label) pairs."""
    data = {"name": name, "first_name": first_name, "last_name": last_name, "job_title": job_title,
            "street": street, "city": city, "region": region, "postcode": postcode, "country": country}
    for prefix, rows in (("emails", [{"address": email} for email in emails]),
                         ("phones", [{"number": number, "label": label} for number, label in phones])):
        data |= {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
                 f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "20"}
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-{field}": value for field, value in row.items()}
    return data
