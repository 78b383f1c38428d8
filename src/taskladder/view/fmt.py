"""Jinja filters: numbers as the report prints them. Escaping itself is Jinja's autoescape."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..report.fmt import interval, is_num, ms, score, usd


def show(value: Any) -> str:
    """A field value as readable text: strings as they are, everything else as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def when(ts: Any) -> str:
    return dt.datetime.fromtimestamp(float(ts), dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if is_num(ts) else ""


def short(text: Any, limit: int = 160) -> str:
    s = show(text)
    return s if len(s) <= limit else s[:limit] + "…"


FILTERS = {"usd": usd, "ms": ms, "score": score, "interval": interval, "show": show, "when": when, "short": short}
