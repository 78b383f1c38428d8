"""Formatting and escaping for the HTML report.

Every value that came from the user's data or a model goes through ``esc``/``show``:
inputs and model outputs may contain markup (or an attack), and the report must render
them as text.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any, TypeGuard

from .. import money

UNKNOWN = "unknown"


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def show(value: Any) -> str:
    """A field value as readable text: strings as they are, everything else as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def is_num(value: Any) -> TypeGuard[float]:
    """A real, known number (not a bool, not NaN); narrows ``value`` to ``float`` (``int`` included)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def usd(value: Any) -> str:
    """Money with enough digits to tell cheap options apart; ``None`` is unknown, not $0."""
    return money.usd(value) if is_num(value) else UNKNOWN


def ms(value: Any) -> str:
    if not is_num(value):
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def score(value: Any) -> str:
    return f"{value:.3f}" if is_num(value) else "—"


def interval(low: Any, high: Any) -> str:
    if not (is_num(low) and is_num(high)):
        return ""
    return f"[{low:.3f}, {high:.3f}]"


def count(value: Any) -> str:
    return str(int(value)) if is_num(value) else "—"


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """``(head, cut)``: the first ``limit`` characters and whether anything was cut."""
    return (text, False) if len(text) <= limit else (text[:limit] + "…", True)
