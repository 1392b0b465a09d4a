"""XML request bodies: Xero takes PUT/POST bodies as XML as well as JSON, so the sandbox does too.

pyxero writes only XML (``Content-Type: application/xml``): ``<Contacts><Contact>...</Contact></Contacts>`` for a
list, or a bare ``<Contact>...</Contact>`` for one element. Its releases before 0.6 (and Xero's old docs) sent the
document form-encoded as ``xml=<...>``; both arrive here. The document becomes the JSON body a JSON client would
have sent, so every handler, the idempotency check and the calls log see one shape:

- an element whose children all carry the singular of its name (``LineItems/LineItem``, ``Addresses/Address``,
  ``Tracking/TrackingCategory``: the table in ``xero_sandbox.xml``) is an array; any other element with children is
  an object; an empty element is left out, as a JSON client would leave the field out;
- text is a string, except in fields Xero's spec types as booleans (``true``/``false``) or numbers.

The document is parsed with defusedxml: no entity expansion, no external entities, no DTD tricks.
"""

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from xero_sandbox import jsonutil, xml
from xero_sandbox.accounting.results import RequestInvalid, post_data_invalid
from xero_sandbox.accounting.spec_facts import BOOLEAN_FIELDS, NUMBER_FIELDS

XML_TYPES = ("application/xml", "text/xml")
FORM_TYPE = "application/x-www-form-urlencoded"


def xml_document(*, headers: dict[str, str], body: bytes) -> bytes | None:
    """The XML document a request carries (raw, or in a form's ``xml`` field), or None for any other body."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in XML_TYPES:
        return body
    if content_type == FORM_TYPE:
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        if "xml" in fields:
            return fields["xml"][0].encode("utf-8")
    return None


def as_json_body(document: bytes, *, collection: str) -> bytes:
    """The JSON body (``{"<collection>": [...]}``) equivalent to an XML document. Raises RequestInvalid (400
    PostDataInvalidException) when the document is not well-formed or not a ``collection`` document."""
    try:
        root = fromstring(document)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise RequestInvalid(post_data_invalid(f"The XML request body could not be read: {exc}")) from exc
    member = xml.singular(collection)
    if root.tag == collection:
        elements = [_value(child) for child in root if child.tag == member]
    elif root.tag == member:
        elements = [_value(root)]
    else:
        raise RequestInvalid(post_data_invalid(f"Expected a <{collection}> or <{member}> document, got <{root.tag}>."))
    return jsonutil.dumps({collection: [element if isinstance(element, dict) else {} for element in elements]})


def _value(element: Element) -> Any:
    children = list(element)
    if not children:
        return _scalar(element.tag, element.text or "")
    member = xml.singular(element.tag)
    if member != element.tag and all(child.tag == member for child in children):
        return [_value(child) for child in children]
    values: dict[str, Any] = {}
    for child in children:
        value = _value(child)
        if value is not None:
            values[child.tag] = value
    return values


def _scalar(name: str, text: str) -> Any:
    if not text.strip():
        return None
    if name in BOOLEAN_FIELDS and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    if name in NUMBER_FIELDS:
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            return text  # the handler refuses it as it would a JSON string
        return number if number.is_finite() else text
    return text
