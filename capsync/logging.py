"""Structured log output and the redaction backstop.

Code logs a fixed message with context in `extra`; these formatters print that context as key=value
(development) or JSON (production). RedactSecretsFilter scrubs anything that looks like a token or an
Authorization header, in case a secret ever reaches a log call.
"""

import json
import logging
import re
from typing import Any

_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[^\s'\",]+"),
    re.compile(r"(?i)((?:access|refresh|id)_token['\"]?\s*[:=]\s*['\"]?)[^\s'\",&]+"),
    re.compile(r"(?i)((?:client_secret|code_verifier|code|password)['\"]?\s*[:=]\s*['\"]?)[^\s'\",&]{6,}"),
    # A JWT anywhere (three base64url segments, the first starting like a JSON header).
    re.compile(r"()eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
]
REDACTED = "[redacted]"
_SECRET_KEYS = re.compile(r"(?i)token|secret|authorization|password|code_verifier")


def redact(text: str) -> str:
    """Return text with anything that looks like a credential replaced by [redacted]."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES}


class RedactSecretsFilter(logging.Filter):
    """Scrub credentials from the message, its arguments and its extra context."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact(str(record.msg))
        for key, value in _context(record).items():
            if _SECRET_KEYS.search(key):
                setattr(record, key, REDACTED)
            elif isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class KeyValueFormatter(logging.Formatter):
    """`LEVEL logger message key=value ...` for reading in a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{key}={value!r}" if isinstance(value, str) else f"{key}={value}"
            for key, value in _context(record).items()
        )
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"
        line = f"{line} {context}" if context else line
        if record.exc_text:
            line = f"{line}\n{record.exc_text}"
        elif record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context(record),
        }
        if record.exc_text:
            payload["exception"] = record.exc_text
        elif record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)
