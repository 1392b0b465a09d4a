"""XML rendering of accounting responses: Xero's default when the request's Accept lacks application/json.

Good enough to show the shape (``<Response><Contacts><Contact>...``); see README "XML" for the limits.
"""

from decimal import Decimal
from xml.sax.saxutils import escape

from xero_sandbox.jsonutil import Raw, loads

_SINGULAR = {
    "Addresses": "Address",
    "Phones": "Phone",
    "ContactPersons": "ContactPerson",
    "LineItems": "LineItem",
    "Tracking": "TrackingCategory",
    "Organisations": "Organisation",
    "Currencies": "Currency",
    "ValidationErrors": "ValidationError",
    "Warnings": "Warning",
    "Elements": "DataContractBase",
    "TaxRates": "TaxRate",
    "Allocations": "Allocation",
    "ContactGroups": "ContactGroup",
    "Attachments": "Attachment",
}


def singular(name: str) -> str:
    """The element name Xero uses for one member of a collection."""
    if name in _SINGULAR:
        return _SINGULAR[name]
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("sses"):
        return name[:-2]
    if name.endswith("s"):
        return name[:-1]
    return name


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return escape(str(value))


def _element(name: str, value: object, out: list[str]) -> None:
    if isinstance(value, Raw):
        value = loads(value.text)
    if isinstance(value, dict):
        out.append(f"<{name}>")
        for key, child in value.items():
            _element(key, child, out)
        out.append(f"</{name}>")
    elif isinstance(value, list):
        out.append(f"<{name}>")
        child_name = singular(name)
        for child in value:
            _element(child_name, child, out)
        out.append(f"</{name}>")
    elif value is None:
        out.append(f"<{name} />")
    else:
        out.append(f"<{name}>{_scalar(value)}</{name}>")


def render(body: dict, *, root: str = "Response") -> bytes:
    """The body (envelope fields first, as Xero orders them) as a ``<Response>`` document."""
    out = [
        '<Response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
    ]
    for key, value in body.items():
        _element(key, value, out)
    out.append("</Response>")
    if root != "Response":
        out[0] = out[0].replace("<Response", f"<{root}", 1)
        out[-1] = f"</{root}>"
    return "".join(out).encode("utf-8")
