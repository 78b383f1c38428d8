"""Jinja filters: numbers as the report prints them. Escaping itself is Jinja's autoescape."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from .. import money


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def usd(value: Any) -> str:
    return money.usd(value) if _num(value) else money.UNKNOWN


def ms(value: Any) -> str:
    if not _num(value):
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def score(value: Any) -> str:
    return f"{value:.3f}" if _num(value) else "—"


def interval(low: Any, high: Any) -> str:
    return f"[{low:.3f}, {high:.3f}]" if _num(low) and _num(high) else ""


def show(value: Any) -> str:
    """A field value as readable text: strings as they are, everything else as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def when(ts: Any) -> str:
    return dt.datetime.fromtimestamp(float(ts), dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if _num(ts) else ""


def short(text: Any, limit: int = 160) -> str:
    s = show(text)
    return s if len(s) <= limit else s[:limit] + "…"


FILTERS = {"usd": usd, "ms": ms, "score": score, "interval": interval, "show": show, "when": when, "short": short}
