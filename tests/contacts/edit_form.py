"""What the contact add and edit pages post: the details plus rows of emails, phones and addresses (formsets)."""

ADDRESS_FIELDS = ("street", "city", "region", "postcode", "country")


def edit_form(
    *,
    name: str = "",
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    emails: tuple[str | tuple[str, str], ...] = (),
    phones: tuple[tuple[str, str], ...] = (),
    street: str = "",
    city: str = "",
    region: str = "",
    postcode: str = "",
    country: str = "",
    addresses: list[dict[str, str]] | None = None,
    **filing: str,
) -> dict[str, str]:
    """The POST body for `contacts:create` and `contacts:edit`.

    `emails` are addresses or (address, label) pairs; `phones` are (number, label) pairs. The street, city...
    arguments make one address row (labelled "office"); `addresses` gives the rows instead. `filing` holds the
    team, owner, organisation, tags and about fields, sent only when given (the edit page keeps those left out).
    """
    data = {"name": name, "first_name": first_name, "last_name": last_name, "job_title": job_title, **filing}
    one_address = {"street": street, "city": city, "region": region, "postcode": postcode, "country": country}
    if addresses is None:
        addresses = [{"label": "office", **one_address}] if any(one_address.values()) else []
    email_rows = [
        {"address": email} if isinstance(email, str) else {"address": email[0], "label": email[1]} for email in emails
    ]
    for prefix, rows in (
        ("emails", email_rows),
        ("phones", [{"number": number, "label": label} for number, label in phones]),
        ("addresses", addresses),
    ):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "20",
        }
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-{field}": value for field, value in row.items()}
    return data
