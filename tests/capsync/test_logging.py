import logging

from capsync.logging import JsonFormatter, KeyValueFormatter, RedactSecretsFilter

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl"


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {"name": "capsync.test", "levelno": logging.INFO, "levelname": "INFO", "msg": message, "args": args}
    )
    for key, value in extra.items():
        setattr(record, key, value)
    RedactSecretsFilter().filter(record)
    return record


def test_bearer_header_in_message_is_redacted():
    record = _record("sending Authorization: Bearer %s", JWT)

    assert JWT not in KeyValueFormatter().format(record)
    assert "[redacted]" in record.getMessage()


def test_token_fields_in_extra_are_redacted():
    record = _record("token refreshed", connection_id=7, refresh_token="abc123secret", note=f"got {JWT}")

    line = KeyValueFormatter().format(record)

    assert "abc123secret" not in line
    assert JWT not in line
    assert "connection_id=7" in line


def test_json_formatter_emits_context():
    record = _record("sync finished", connection_id=3, calls=12)

    line = JsonFormatter().format(record)

    assert '"connection_id": 3' in line
    assert '"calls": 12' in line


def test_form_encoded_secrets_are_redacted():
    record = _record("body grant_type=refresh_token&refresh_token=r-123456789&client_secret=s3cr3t-value")

    message = record.getMessage()

    assert "r-123456789" not in message
    assert "s3cr3t-value" not in message
