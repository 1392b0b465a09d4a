"""Contract check: every response the Xero sandbox records must match Xero's OpenAPI spec 16.1.0.

A pytest plugin. For each test that uses the ``sandbox`` fixture it reads the sandbox's calls log (with
bodies) after the test and fails the test when any response breaks the spec: status, content type, body
schema (enums, formats, required fields) and, for the ``/Date(...)/`` fields the spec marks
``x-is-msdate[-time]``, the .NET date form the official SDK insists on. Requests are validated too, but only
when the sandbox accepted them (2xx), so deliberately bad test requests don't fail the check.

``validate_call(call)`` is usable on its own (see tests/xero_sandbox/test_contract.py).

Where the spec is wrong about real Xero responses (documented in docs/xero.md and xero_sandbox/README.md) the allowance
lives in one table, ``KNOWN_SPEC_DEVIATIONS``; each entry is narrow (operation, JSON pointer, keyword, value).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
import yaml
from jsonschema.exceptions import ValidationError as JsonSchemaError
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.responses.exceptions import ResponseFinderError
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import RequestBodyValidationError
from openapi_schema_validator import OAS30Validator

from xero_sandbox.accounting import canonical_path

XERO_API_HOST = "https://api.xero.com"
ACCOUNTING_PREFIX = "/api/api.xro/2.0"
CONNECTIONS_RE = re.compile(r"^/api/connections(?P<rest>/.*)?$", re.IGNORECASE)
TOKEN_PATH = "/identity/connect/token"
XML_REQUEST_TYPES = ("application/xml", "text/xml", "application/x-www-form-urlencoded")

# The SDK's own pattern (xero_python/api_client/deserializer.py MS_DATETIME_RE): anything else raises.
MSDATE_RE = re.compile(r"/Date\(-?\d+([+-]\d{2,4})?\)/")
# Requests may also send plain dates or ISO date-times in msdate fields (README section 4, "Dates").
REQUEST_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")
MSDATE_FORMATS = {"x-is-msdate": "xero-msdate", "x-is-msdate-time": "xero-msdate-time"}

LAST_CALL_ID_PROBE = 2**62  # since_id past any call: the log answers with only last_id
CACHE_VERSION = "1"  # bump when _prepare_spec changes, so stale pickles are ignored

JSON = Any  # a decoded JSON value


def spec_dir() -> Path:
    """Directory holding Xero's spec files: ``$XERO_SPEC_DIR``, else the copy vendored in ``vendor/xero-openapi``."""
    configured = os.environ.get("XERO_SPEC_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / "vendor" / "xero-openapi"


def _default_cache_dir() -> Path:
    return Path(__file__).resolve().parents[1] / ".pytest_cache" / "d" / "xero_contract"


def _prepare_spec(spec: dict) -> dict:
    """Give every ``x-is-msdate[-time]`` string a format, so the schema validator checks the /Date()/ form."""

    def walk(node: JSON) -> None:
        if isinstance(node, dict):
            for extension, format_name in MSDATE_FORMATS.items():
                if node.get(extension) and "format" not in node:
                    node["format"] = format_name
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(spec)
    return spec


def load_spec(path: Path, *, cache_dir: Path | None = None) -> dict:
    """Parse one spec YAML (C loader when available), caching the prepared dict as a pickle keyed by content.

    The accounting spec is 926 KB: about 0.5 s with the C loader (several seconds with the pure-Python one),
    about 10 ms from the pickle.
    """
    raw = path.read_bytes()
    key = hashlib.sha256(raw + CACHE_VERSION.encode() + sys.version.encode()).hexdigest()[:24]
    cached = (cache_dir or _default_cache_dir()) / f"{path.stem}-{key}.pickle"
    if cached.exists():
        with cached.open("rb") as handle:
            return pickle.load(handle)  # our own cache file, keyed by the spec's hash
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = _prepare_spec(yaml.load(raw, Loader=loader))  # safe loader only
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(cached)  # atomic, so parallel workers never read half a file
    return spec


def _is_msdate(value: object) -> bool:
    return not isinstance(value, str) or MSDATE_RE.fullmatch(value) is not None


def _is_request_date(value: object) -> bool:
    return _is_msdate(value) or REQUEST_DATE_RE.fullmatch(str(value)) is not None


def _app(spec: dict, *, date_check: Callable[[object], bool]) -> OpenAPI:
    # The spec does not pass openapi-spec-validator (Account.HasAttachments and others declare the string
    # `default: "false"` on a boolean), so that self-check is off; the schemas are still applied as written.
    config = Config(
        spec_validator_cls=None,
        extra_format_validators={"xero-msdate": date_check, "xero-msdate-time": date_check},
    )
    return OpenAPI.from_dict(spec, config=config)


@dataclass(frozen=True)
class Violation:
    """One way a recorded call breaks the contract."""

    part: str  # "response" or "request"
    pointer: str  # JSON pointer into the body, or "" when not about one value
    keyword: str  # failing JSON-schema keyword ("enum", "format", "required", ...) or a short rule name
    message: str
    value: object = None


@dataclass(frozen=True)
class SpecDeviation:
    """A place where the spec disagrees with real Xero traffic (its responses, or what its own SDK sends)."""

    operation: str  # regex on "METHOD /path" as Xero serves it, e.g. r"GET /Connections"
    part: str  # "response" or "request"
    pointer: str  # regex on the violation's JSON pointer
    keyword: str  # the failing keyword it excuses
    value: str  # regex the offending value must fully match (keeps the allowance narrow)
    reason: str

    def allows(self, *, operation: str, violation: Violation) -> bool:
        return (
            violation.part == self.part
            and violation.keyword == self.keyword
            and re.fullmatch(self.operation, operation) is not None
            and re.fullmatch(self.pointer, violation.pointer) is not None
            and re.fullmatch(self.value, str(violation.value)) is not None
        )


KNOWN_SPEC_DEVIATIONS: tuple[SpecDeviation, ...] = (
    SpecDeviation(
        operation=r"(PUT|POST) /api\.xro/2\.0/.+",
        part="request",
        pointer=r"(/.+)?/HasAttachments",
        keyword="readOnly",
        value=r"False",
        reason=(
            "Xero's own SDK (xero-python, generated from this spec) defaults has_attachments=False on Invoice, "
            "CreditNote and Account models and sends it in every write; OAS 3.0 says read-only properties SHOULD "
            "NOT be sent, and Xero ignores them. Only the SDK's literal false is excused; other read-only fields "
            "in our requests are still reported."
        ),
    ),
    SpecDeviation(
        operation=r"GET /Connections",
        part="response",
        pointer=r"/\d+/(createdDateUtc|updatedDateUtc)",
        keyword="format",
        value=r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?",
        reason=(
            "IDN declares format date-time (RFC 3339, zone required), but real /connections responses and the "
            "spec's own example carry zone-less UTC times with 7 fractional digits: '2019-12-07T18:46:19.5165400' "
            "(README section 2; SDK cassette test_get_connections.yaml)."
        ),
    ),
    SpecDeviation(
        operation=r"GET /api\.xro/2\.0/(Contacts|Invoices|Quotes)",
        part="request",
        pointer=r"(/\d+)?",
        keyword="format",
        value=r"[{(]?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}[)}]?",
        reason=(
            "IDs/ContactIDs/ContactID are format uuid, but Xero parses GUIDs as .NET does: 32 digits without dashes "
            "(what pyxero sends, from UUID.hex), in braces or parentheses, any case (docs/xero.md, 'Sandbox "
            "fidelity found by real clients')."
        ),
    ),
    SpecDeviation(
        operation=r"GET /api\.xro/2\.0/.+",
        part="request",
        pointer=r"",
        keyword="format",
        value=r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT",
        reason=(
            "If-Modified-Since is format date-time in the spec, but it is an HTTP header and Xero takes the HTTP-date "
            "form RFC 9110 defines, which pyxero sends ('Mon, 02 Mar 2026 10:00:00 GMT')."
        ),
    ),
)


def _problem_violations(status: int, body: JSON) -> list[Violation]:
    """401/403 bodies: Xero's problem JSON (README section 7), which the spec does not describe."""
    if not isinstance(body, dict):
        return [Violation("response", "", "problem-json", f"{status} body is not a JSON object", body)]
    found = []
    if not isinstance(body.get("Title"), str):
        found.append(Violation("response", "/Title", "problem-json", "missing string Title", body.get("Title")))
    if body.get("Status") != status:
        found.append(Violation("response", "/Status", "problem-json", f"Status is not {status}", body.get("Status")))
    if not isinstance(body.get("Detail"), str):
        found.append(Violation("response", "/Detail", "problem-json", "missing string Detail", body.get("Detail")))
    return found


def _pointer(parts: Iterable[object]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _schema_violations(part: str, errors: Iterable[JsonSchemaError]) -> Iterator[Violation]:
    for error in errors:
        if error.context:  # oneOf/anyOf: the branch errors say more than the summary
            yield from _schema_violations(part, error.context)
            continue
        yield Violation(part, _pointer(error.absolute_path), str(error.validator), error.message, error.instance)


def _violations_from(part: str, errors: Iterable[Exception]) -> Iterator[Violation]:
    """Flatten openapi-core's exceptions into one Violation per offending value."""
    for error in errors:
        cause = error.__cause__
        schema_errors = list(getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None) or [])
        name = getattr(error, "name", None)
        if schema_errors:
            for violation in _schema_violations(part, schema_errors):
                where = f" (parameter {name})" if name else ""
                yield Violation(part, violation.pointer, violation.keyword, violation.message + where, violation.value)
        else:
            detail = str(cause if cause is not None else error)
            if name and name not in detail:
                detail = f"{name}: {detail}"
            yield Violation(part, "", error.__class__.__name__, detail)


def _header(headers: Mapping[str, str] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return ""


def _body_bytes(body: JSON) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, default=str).encode()


def _query_pairs(query: JSON) -> list[tuple[str, str]]:
    if not query:
        return []
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    pairs = []
    for name, values in dict(query).items():
        for value in values if isinstance(values, list) else [values]:
            pairs.append((name, str(value)))
    return pairs


def _is_json_type(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in {"application/json", "application/problem+json"}


class ContractValidator:
    """Validates recorded sandbox calls against ACC (accounting) and IDN (identity) specs."""

    def __init__(self, *, accounting: dict, identity: dict, deviations: Iterable[SpecDeviation]) -> None:
        self._responses = {
            "accounting": _app(accounting, date_check=_is_msdate),
            "identity": _app(identity, date_check=_is_msdate),
        }
        self._requests = {
            "accounting": _app(accounting, date_check=_is_request_date),
            "identity": _app(identity, date_check=_is_request_date),
        }
        schemas = identity["components"]["schemas"]
        self._access_token = OAS30Validator(schemas["AccessToken"])
        self._refresh_token = OAS30Validator(schemas["RefreshToken"])
        self._deviations = tuple(deviations)

    def validate_call(self, call: Mapping[str, Any]) -> list[str]:
        """Return one message per contract violation in ``call`` (a record from ``GET /_sandbox/calls``)."""
        method = str(call.get("method", "GET")).upper()
        path = str(call.get("path", "")).split("?")[0]
        status = int(call.get("status") or 0)
        target = self._target(path)
        if target is None:
            return []
        api, xero_path = target
        operation = f"{method} {xero_path}"
        violations = [
            v for v in self._call_violations(api, xero_path, method, status, call) if not self._allowed(operation, v)
        ]
        return [self._describe(method, path, status, v) for v in violations]

    def _allowed(self, operation: str, violation: Violation) -> bool:
        return any(deviation.allows(operation=operation, violation=violation) for deviation in self._deviations)

    @staticmethod
    def _describe(method: str, path: str, status: int, violation: Violation) -> str:
        where = f" at {violation.pointer}" if violation.pointer else ""
        value = "" if violation.value is None else f" (value: {violation.value!r:.120})"
        return f"{method} {path} -> {status}: {violation.part}{where}: [{violation.keyword}] {violation.message}{value}"

    @staticmethod
    def _target(path: str) -> tuple[str, str] | None:
        """Map a sandbox path to (api, path on Xero's host), or None when the spec doesn't cover it."""
        if path == TOKEN_PATH:
            return "token", "/connect/token"
        if path == ACCOUNTING_PREFIX or path.startswith(ACCOUNTING_PREFIX + "/"):
            # Xero's routes ignore case and take /Organisations for /Organisation; the spec spells each one way.
            segments = canonical_path([s for s in path.removeprefix(ACCOUNTING_PREFIX).split("/") if s])
            return "accounting", "/".join([ACCOUNTING_PREFIX.removeprefix("/api"), *segments])
        match = CONNECTIONS_RE.match(path)
        if match:
            return "identity", "/Connections" + (match.group("rest") or "")
        return None

    def _call_violations(
        self, api: str, xero_path: str, method: str, status: int, call: Mapping[str, Any]
    ) -> list[Violation]:
        response_headers = call.get("response_headers") or {}
        request_headers = call.get("request_headers") or {}
        content_type = _header(response_headers, "content-type")
        raw_body = _body_bytes(call.get("response_body"))
        if api == "token":
            return self._token_violations(status, content_type, raw_body, call)
        accepts_json = "application/json" in _header(request_headers, "accept").lower()
        if not accepts_json and not _is_json_type(content_type):
            return []  # Xero answers XML (or a PDF) here; the spec only describes JSON
        if status == 429:
            if not _header(response_headers, "x-rate-limit-problem"):
                return [Violation("response", "", "rate-limit", "429 without an X-Rate-Limit-Problem header")]
            return []
        if not raw_body:
            return [] if status in (204, 404) or status >= 500 or method == "DELETE" else self._missing_body(status)
        if not _is_json_type(content_type):
            if status >= 500 or status == 404:
                return []
            return [Violation("response", "", "content-type", f"asked for JSON, got {content_type!r}")]
        try:
            body = json.loads(raw_body)
        except ValueError as exc:
            return [Violation("response", "", "json", f"body is not JSON: {exc}")]
        if status in (401, 403):
            return _problem_violations(status, body)
        request = self._mock_request(method, xero_path, call)
        response = MockResponse(raw_body, status_code=status, headers=dict(response_headers), content_type=content_type)
        return self._response_violations(api, request, response, status)

    @staticmethod
    def _missing_body(status: int) -> list[Violation]:
        if 200 <= status < 300 or status in (400, 401, 403):
            return [Violation("response", "", "body", f"{status} with an empty body")]
        return []

    def _response_violations(
        self, api: str, request: MockRequest, response: MockResponse, status: int
    ) -> list[Violation]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Unsupported scheme type" for OAuth2, on every call
            errors = list(self._responses[api].iter_response_errors(request, response))
        unknown = [e for e in errors if isinstance(e, PathError)]
        if unknown:
            if status >= 400:
                return []  # Xero's 404/405 for a path it doesn't serve
            return [Violation("response", "", "path", f"{status} for an operation not in the spec ({unknown[0]})")]
        if status >= 400 and any(isinstance(e, ResponseFinderError) for e in errors):
            return []  # e.g. 404 on a GET: the spec declares no body for it
        found = list(_violations_from("response", errors))
        if 200 <= status < 300:
            found += self._request_violations(api, request)
        return found

    def _request_violations(self, api: str, request: MockRequest) -> list[Violation]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            errors = list(self._requests[api].iter_request_errors(request))
        if request.content_type in XML_REQUEST_TYPES:
            # Xero takes XML bodies too (pyxero sends nothing else); the spec describes JSON bodies only.
            errors = [e for e in errors if not isinstance(e, RequestBodyValidationError)]
        return list(_violations_from("request", errors))

    @staticmethod
    def _mock_request(method: str, xero_path: str, call: Mapping[str, Any]) -> MockRequest:
        headers = {str(k): str(v) for k, v in (call.get("request_headers") or {}).items()}
        body = _body_bytes(call.get("request_body"))
        content_type = _header(headers, "content-type") or "application/json"
        return MockRequest(
            XERO_API_HOST,
            method.lower(),
            xero_path,
            args=_query_pairs(call.get("query")),
            headers=headers,
            data=body,
            content_type=content_type.split(";")[0].strip(),
        )

    def _token_violations(
        self, status: int, content_type: str, raw_body: bytes, call: Mapping[str, Any]
    ) -> list[Violation]:
        """Token endpoint: not a path in IDN; check bodies against IDN's token schemas and README section 1."""
        if not _is_json_type(content_type):
            return [Violation("response", "", "content-type", f"token endpoint answered {content_type!r}")]
        try:
            body = json.loads(raw_body)
        except ValueError as exc:
            return [Violation("response", "", "json", f"body is not JSON: {exc}")]
        if status != 200:
            if status >= 500 or (isinstance(body, dict) and isinstance(body.get("error"), str)):
                return []
            return [Violation("response", "/error", "oauth-error", "OAuth error body needs a string 'error'", body)]
        found = list(_schema_violations("response", self._access_token.iter_errors(body)))
        if not isinstance(body, dict):
            return found
        # Real responses always carry these; the SDK refuses to refresh a token without `scope` (README s.1, s.10).
        for name, kind in (("access_token", str), ("expires_in", int), ("token_type", str), ("scope", str)):
            if not isinstance(body.get(name), kind):
                found.append(
                    Violation("response", f"/{name}", "required", f"token response needs {kind.__name__} {name!r}")
                )
        if body.get("token_type") != "Bearer":
            found.append(
                Violation("response", "/token_type", "enum", "token_type must be 'Bearer'", body.get("token_type"))
            )
        form = dict(parse_qsl(_body_bytes(call.get("request_body")).decode(errors="replace")))
        if form.get("grant_type") == "refresh_token":
            found += _schema_violations("request", self._refresh_token.iter_errors(form))
        return found


@cache
def contract_validator() -> ContractValidator:
    """The session's validator (specs parsed once, from the pickle cache when fresh)."""
    directory = spec_dir()
    if not (directory / "xero_accounting.yaml").is_file():
        raise FileNotFoundError(f"Xero's OpenAPI spec is not in {directory}; set XERO_SPEC_DIR to its folder")
    return ContractValidator(
        accounting=load_spec(directory / "xero_accounting.yaml"),
        identity=load_spec(directory / "xero-identity.yaml"),
        deviations=KNOWN_SPEC_DEVIATIONS,
    )


def validate_call(call: Mapping[str, Any]) -> list[str]:
    """Contract violations of one recorded sandbox call, as readable messages (empty when it conforms)."""
    return contract_validator().validate_call(call)


# --- pytest plugin -------------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "xero_contract_exempt(reason): the test provokes non-Xero output on purpose (injected faults); "
        "calls marked as faulted in the sandbox log are not contract-checked (the whole test when unmarked).",
    )


def _sandbox_url(sandbox: object) -> str:
    for name in ("base_url", "url"):
        value = getattr(sandbox, name, None)
        if isinstance(value, str):
            return value.rstrip("/")
    raise TypeError(f"cannot find the base URL of {sandbox!r}")


def _calls_since(base_url: str, since_id: int, *, bodies: bool = True) -> dict:
    params = {"since_id": since_id, "bodies": int(bodies)}
    response = requests.get(f"{base_url}/_sandbox/calls", params=params, timeout=30)
    response.raise_for_status()
    return response.json()


def _is_exempt(call: Mapping[str, Any], marker: pytest.Mark | None) -> bool:
    if marker is None:
        return False
    if "fault" in call:  # the log says which calls had a fault injected: exempt only those
        return bool(call["fault"])
    return True


@pytest.fixture(autouse=True)
def xero_contract_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a sandbox test whose recorded responses break the Xero spec."""
    fixture = next((name for name in ("sandbox", "sandbox_server") if name in request.fixturenames), None)
    if fixture is None:
        yield
        return
    base_url = _sandbox_url(request.getfixturevalue(fixture))
    requests.post(f"{base_url}/_sandbox/config", json={"record_bodies": True}, timeout=30).raise_for_status()
    since_id = int(_calls_since(base_url, LAST_CALL_ID_PROBE, bodies=False)["last_id"])

    yield

    marker = request.node.get_closest_marker("xero_contract_exempt")
    calls = _calls_since(base_url, since_id)["calls"]
    problems = [message for call in calls if not _is_exempt(call, marker) for message in validate_call(call)]
    if problems:
        listed = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        pytest.fail(
            f"{len(problems)} Xero contract violation(s) in sandbox responses:\n  {listed}{more}", pytrace=False
        )
