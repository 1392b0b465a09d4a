"""Webhook events: what changed in Xero (the data itself is fetched by id)."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from integrations.xero.schemas.fields import SchemaError, _id, _text
from integrations.xero.schemas.records import RecordError, _record_of


@dataclass(frozen=True)
class WebhookEvent:
    """One event of a Xero webhook delivery: what changed, not the data (fetch `resource_id` to see it)."""

    tenant_id: str
    category: str
    event_type: str
    resource_id: str
    event_date: datetime

    @property
    def key(self) -> str:
        """The same event delivered twice has the same key."""
        text = "|".join([self.tenant_id, self.category, self.event_type, self.resource_id, self.event_date.isoformat()])
        return hashlib.sha256(text.encode()).hexdigest()


def webhook_events(payload: object) -> tuple[list[WebhookEvent], list[RecordError]]:
    """Parse a delivery's `events` list; events that do not parse are returned apart, whole."""
    events, errors = [], []
    for item in payload if isinstance(payload, list) else []:
        record = _record_of(item)
        record_id = str(record.get("resourceId") or "")
        try:
            raw_date = _text(record, "eventDateUtc", record_id=record_id)
            try:
                event_date = datetime.fromisoformat(raw_date)
            except ValueError as exc:
                raise SchemaError(f"eventDateUtc is not a date: {raw_date!r}", record_id=record_id) from exc
            events.append(WebhookEvent(
                tenant_id=_id(record, "tenantId", record_id=record_id),
                category=_id(record, "eventCategory", record_id=record_id).upper(),
                event_type=_id(record, "eventType", record_id=record_id).upper(),
                resource_id=_id(record, "resourceId", record_id=record_id),
                # Xero writes UTC without a zone ("2024-06-21T01:15:39.902").
                event_date=event_date if event_date.tzinfo else event_date.replace(tzinfo=UTC),
            ))
        except SchemaError as exc:
            errors.append(RecordError(record_id=record_id, reason=exc.reason, payload=record))
    return events, errors
