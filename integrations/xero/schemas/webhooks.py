"""Webhook events: what changed in Xero (the data itself is fetched by id)."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from integrations.xero.schemas.fields import SchemaError, _id, _text
from integrations.xero.schemas.pages import RecordError
from integrations.xero.schemas.records import _record_of


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
        record = item if isinstance(item, dict) else {}
        record_id = _printable(record.get("resourceId"))
        try:
            _record_of(item)
            _unicode_only(record)
            raw_date = _text(record, "eventDateUtc", record_id=record_id)
            try:
                event_date = datetime.fromisoformat(raw_date)
            except ValueError as exc:
                raise SchemaError(f"eventDateUtc is not a date: {raw_date!r}", record_id=record_id) from exc
            events.append(
                WebhookEvent(
                    tenant_id=_short_id(record, "tenantId", 64, record_id=record_id),
                    category=_short_id(record, "eventCategory", 20, record_id=record_id).upper(),
                    event_type=_short_id(record, "eventType", 20, record_id=record_id).upper(),
                    resource_id=_short_id(record, "resourceId", 64, record_id=record_id),
                    # Xero writes UTC without a zone ("2024-06-21T01:15:39.902").
                    event_date=event_date if event_date.tzinfo else event_date.replace(tzinfo=UTC),
                )
            )
        except SchemaError as exc:
            errors.append(RecordError(record_id=record_id, reason=exc.reason, payload=record))
    return events, errors


def _short_id(record: dict, key: str, limit: int, *, record_id: str) -> str:
    """`_id`, refused when longer than Xero's ids and names ever are (and than the columns that keep them)."""
    value = _id(record, key, record_id=record_id)
    if len(value) > limit:
        raise SchemaError(f"{key} is longer than {limit} characters", record_id=record_id[:limit])
    return value


def _printable(value: object) -> str:
    """A resource id fit for a log line: "" unless it is text that encodes as UTF-8."""
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "replace").decode()[:64]


def _unicode_only(record: dict) -> None:
    """Refuse an event whose strings hold lone surrogates (JSON allows "\\ud800"): they cannot be hashed into
    the event's key, stored or logged as UTF-8."""
    for value in record.values():
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError as exc:
                raise SchemaError("a field is not valid Unicode (a lone surrogate)") from exc
