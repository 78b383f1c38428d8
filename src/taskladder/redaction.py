"""Every credential value this process sends, scrubbed from everything it writes.

Pattern-based redaction only catches keys shaped like the ones it knows (``sk-...``);
a provider that echoes an odd-shaped key back, or a model that falls back to
``OPENAI_API_KEY`` without naming it, would otherwise get the key stored verbatim. So the
clients register the actual value they send (``remember_credential``), and the writers
(store rows, exports, reports, summaries, log records) pass their text through
``redact_text``, which replaces each registered value, and its JSON-escaped forms, with
``[redacted]``.

This is process-wide state on purpose: a key sent by any client must be scrubbed from
any file, whichever settings object the writer was given.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from typing import Any

REDACTED = "[redacted]"
_MIN_LEN = 8  # shorter values ("x", "none") would scrub ordinary words; real keys are longer
_PLACEHOLDERS = frozenset({"not-needed", "unused", "dummy", "EMPTY"})
_CREDENTIAL_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|ACCESS_KEY)", re.IGNORECASE)

_lock = threading.Lock()
_forms: list[str] = []  # every registered value and its escaped forms, longest first
_logging_hooked = False


def _variants(value: str) -> set[str]:
    return {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


def remember_credential(value: str | None) -> None:
    """Register a credential value that is about to be sent (idempotent, thread-safe)."""
    if not value or len(value) < _MIN_LEN or value in _PLACEHOLDERS:
        return
    with _lock:
        known = set(_forms)
        new = _variants(value) - known
        if new:
            _forms[:] = sorted(known | new, key=len, reverse=True)
    _hook_logging()


def remember_environment_credentials() -> None:
    """Register every set environment variable named like a credential (``*_API_KEY``,
    ``*_TOKEN``, ...): for clients (LiteLLM) that pick a provider's key from the
    environment themselves, so the value sent is one of these."""
    for name, value in os.environ.items():
        if _CREDENTIAL_NAME.search(name):
            remember_credential(value)


def redact_text(text: str) -> str:
    """``text`` with every registered credential value replaced by ``[redacted]``."""
    forms = _forms
    if not forms or not text:
        return text
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def redact_value(value: Any) -> Any:
    """``value`` (str, or lists/tuples/dicts of them) with credentials redacted; other types as they are."""
    if not _forms:
        return value  # nothing registered: nothing to scrub, and no copy of every row written
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    return value


def _hook_logging() -> None:
    """Make every log record carry redacted text, whichever handler formats it."""
    global _logging_hooked
    with _lock:
        if _logging_hooked:
            return
        _logging_hooked = True
        make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if _forms:
            try:
                record.msg, record.args = redact_text(record.getMessage()), None
            except Exception:  # noqa: BLE001 - a malformed log call is logging's to report
                return record
            if record.exc_info and not record.exc_text:
                record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
