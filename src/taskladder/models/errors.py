"""Classify provider failures into retryable or not, and read ``Retry-After``.

Works on exceptions from LiteLLM, the ``openai`` SDK and httpx alike by looking at what
they carry (status code, response headers) rather than at a fixed list of classes.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import time

from ..redaction import redact_text

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
RETRYABLE_NAMES = (
    "Timeout", "APITimeoutError", "APIConnectionError", "ConnectError", "ReadError",
    "RemoteProtocolError", "ReadTimeout", "ConnectTimeout", "WriteError", "PoolTimeout",
    "ServiceUnavailableError", "InternalServerError", "BadGatewayError", "RateLimitError",
    "APIResponseValidationError", "JSONDecodeError", "IncompleteRead",
)


class ProviderError(Exception):
    def __init__(self, message: str, *, retryable: bool, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


def classify(exc: BaseException) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    if status is None and response is not None:
        status = getattr(response, "status_code", None)
    headers = getattr(exc, "headers", None) or getattr(response, "headers", None) or {}
    retry_after = parse_retry_after(_header(headers, "retry-after"))
    names = {cls.__name__ for cls in type(exc).__mro__}
    retryable = (
        (isinstance(status, int) and status in RETRYABLE_STATUS)
        or isinstance(exc, (asyncio.TimeoutError, ConnectionError, json.JSONDecodeError))
        or any(n in names for n in RETRYABLE_NAMES)
    )
    # Authentication, bad request, not found, context too long: retrying cannot help.
    if isinstance(status, int) and status in (400, 401, 403, 404, 413, 422):
        retryable = False
    message = _short(exc, status)
    return ProviderError(message, retryable=retryable, status=status if isinstance(status, int) else None,
                         retry_after=retry_after)


def _header(headers, name: str) -> str | None:
    try:
        for k, v in dict(headers).items():
            if str(k).lower() == name:
                return str(v)
    except (TypeError, ValueError):
        return None
    return None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass  # not a number of seconds: try the HTTP-date form below
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


# Provider error messages sometimes echo the key they were sent ("Incorrect API key
# provided: sk-proj-...abcd"); error texts end up in records, so they are scrubbed first.
_SECRET_PATTERNS = [
    re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-*.]{8,}"),
    re.compile(r"(?i)\b(bearer|api[_-]?key|x-api-key|authorization)([\"':=\s]+)[A-Za-z0-9_\-*.]{8,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"),
]


def redact_secrets(text: str, known: list[str] | None = None) -> str:
    """``text`` with API keys (known values, every credential sent, key-shaped strings) replaced by ``[redacted]``."""
    text = redact_text(text)
    for value in known or []:
        if value and len(value) >= 8:
            text = text.replace(value, "[redacted]")
    text = _SECRET_PATTERNS[0].sub("[redacted]", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    return _SECRET_PATTERNS[2].sub("[redacted]", text)


def _short(exc: BaseException, status) -> str:
    text = redact_secrets(" ".join(str(exc).split()))
    if len(text) > 300:
        text = text[:300] + "..."
    kind = type(exc).__name__
    return f"{kind}{f' (HTTP {status})' if status else ''}: {text}" if text else kind
