"""A tiny in-process client for ``xero_sandbox.accounting.handle`` used by the accounting tests (no HTTP)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.xero_records import invoice_element, line, payment_element
from xero_sandbox import jsonutil
from xero_sandbox.accounting import ApiResult, handle, organisation_record
from xero_sandbox.store import TenantData

START = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)


def new_tenant(*, base_currency: str = "GBP", country_code: str = "GB", timezone: str = "Europe/London") -> TenantData:
    """An empty organisation."""
    organisation = organisation_record(
        tenant_id="6f9f1b7e-0000-4000-8000-000000000001",
        name="Test Org",
        base_currency=base_currency,
        short_code="!Test1",
        timezone=timezone,
        country_code=country_code,
        created=START - timedelta(days=365),
    )
    return TenantData(organisation=organisation)


@dataclass
class Api:
    """Calls handle() like the HTTP server would, with a controllable clock."""

    data: TenantData
    now: datetime = START
    headers: dict[str, str] = field(default_factory=dict)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResult:
        raw = b"" if body is None else (body if isinstance(body, bytes) else jsonutil.dumps(body))
        result = handle(
            data=self.data,
            method=method,
            path=[segment for segment in path.split("/") if segment],
            query={key: [value] for key, value in (query or {}).items()},
            headers={**self.headers, **(headers or {})},
            body=raw,
            now=self.now,
            app_name="Test App",
        )
        if isinstance(result.body, dict):
            # Round-trip through JSON exactly as a client would see it.
            result = ApiResult(
                result.status, jsonutil.loads(jsonutil.dumps(result.body)), result.headers, result.events
            )
        return result

    def get(self, path: str, **kwargs: Any) -> ApiResult:
        return self.call("GET", path, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> ApiResult:
        return self.call("PUT", path, body, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> ApiResult:
        return self.call("POST", path, body, **kwargs)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    # -- arrange helpers ---------------------------------------------------------------------------------------------

    def contact(self, name: str = "Acme Ltd", **fields: Any) -> dict:
        result = self.put("Contacts", {"Contacts": [{"Name": name, **fields}]})
        assert result.status == 200, result.body
        return result.body["Contacts"][0]

    def invoice(
        self,
        contact_id: str,
        *,
        status: str = "AUTHORISED",
        amount: str = "100.00",
        due: str = "2026-03-31",
        **fields: Any,
    ) -> dict:
        element = invoice_element(
            contact_id=contact_id, due=due, line_items=[line(unit_amount=amount)], Status=status, **fields
        )
        result = self.put("Invoices", {"Invoices": [element]})
        assert result.status == 200, result.body
        return result.body["Invoices"][0]

    def payment(self, invoice_id: str, amount: str, *, date: str = "2026-03-02") -> dict:
        element = payment_element(invoice_id=invoice_id, amount=amount, paid_on=date)
        result = self.put("Payments", {"Payments": [element]})
        assert result.status == 200, result.body
        return result.body["Payments"][0]
