"""The request and response shapes passed between the HTTP server and the endpoint handlers."""

import base64
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from xero_sandbox import jsonutil


@dataclass
class Request:
    method: str
    path: str  # full path incl. prefix, without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    client_address: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        """The urlencoded form body, first value of each field."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def form_lists(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def cookie(self, name: str) -> str | None:
        raw = self.headers.get("cookie")
        if not raw:
            return None
        jar = SimpleCookie()
        jar.load(raw)
        morsel = jar.get(name)
        return morsel.value if morsel else None

    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(value[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None

    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        if value.lower().startswith("bearer "):
            return value[7:].strip()
        return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # "close": drop the connection without answering; "reset": send a TCP RST.
    abort: str | None = None
    # Extra fields for the calls log (client id, tenant id, fault kind...).
    log: dict = field(default_factory=dict)


def json_response(status: int, obj: object, *, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": "application/json; charset=utf-8"}
    all_headers.update(headers or {})
    return Response(status=status, body=jsonutil.dumps(obj), headers=all_headers)


def html_response(status: int, html: str, *, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": "text/html; charset=utf-8"}
    all_headers.update(headers or {})
    return Response(status=status, body=html.encode("utf-8"), headers=all_headers)


def redirect(location: str, *, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Location": location}
    all_headers.update(headers or {})
    return Response(status=302, headers=all_headers)
