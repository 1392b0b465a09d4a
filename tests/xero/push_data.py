"""CRM edits of linked contacts and what Xero (the sandbox) holds and received for them."""

from django.urls import reverse

from contacts.models import Contact
from integrations.xero import auth
from integrations.xero.models import XeroConnection, XeroContact
from tests.contacts.edit_form import edit_form

ACCOUNTING = "/api/api.xro/2.0"


def crm(customer: dict) -> Contact:
    return XeroContact.objects.get(xero_id=customer["ContactID"]).contact


def in_xero(xero, connection: XeroConnection, customer: dict) -> dict:
    """The sandbox's own copy of a contact, read with the organisation's current access token."""
    connection.grant.refresh_from_db()
    response = xero.sandbox.api(
        "GET",
        f"Contacts/{customer['ContactID']}",
        tenant_id=xero.uk_tenant_id,
        access_token=auth.secret_decrypt(connection.grant.access_token_encrypted),
    )
    return response.json()["Contacts"][0]


def rename_in_xero(xero, connection: XeroConnection, customer: dict, name: str) -> None:
    connection.grant.refresh_from_db()
    response = xero.sandbox.api(
        "POST",
        f"Contacts/{customer['ContactID']}",
        tenant_id=xero.uk_tenant_id,
        access_token=auth.secret_decrypt(connection.grant.access_token_encrypted),
        json={"Contacts": [{"ContactID": customer["ContactID"], "Name": name}]},
    )
    assert response.status_code == 200, response.text


def last_call_id(xero) -> int:
    return xero.sandbox.calls(since_id=2**62)["last_id"]


def contact_writes(xero, *, since_id: int) -> list[dict]:
    return [
        call
        for call in xero.sandbox.calls(since_id=since_id, bodies=True)["calls"]
        if call["method"] == "POST" and call["path"].startswith(f"{ACCOUNTING}/Contacts")
    ]


def edit(admin_client, contact: Contact, **details):
    return admin_client.post(reverse("contacts:edit", args=[contact.pk]), edit_form(**details))


def in_xero_by_hand(xero, connection, method: str, path: str, *, refusal_ok: bool = False, **kwargs) -> dict:
    """Someone working in Xero itself (the sandbox's API, with the organisation's current token). Unless
    `refusal_ok`, Xero must accept it."""
    connection.grant.refresh_from_db()
    response = xero.sandbox.api(
        method,
        path,
        tenant_id=xero.uk_tenant_id,
        access_token=auth.secret_decrypt(connection.grant.access_token_encrypted),
        **kwargs,
    )
    assert refusal_ok or response.status_code == 200, response.text
    return response.json()


def xero_names(xero, connection) -> list[str]:
    """Every contact name the sandbox holds for the UK organisation, archived ones included."""
    listed = in_xero_by_hand(xero, connection, "GET", "Contacts", params={"includeArchived": "true"})
    return sorted(contact["Name"] for contact in listed["Contacts"])
