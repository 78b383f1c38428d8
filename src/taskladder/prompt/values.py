"""Text forms of input and output values, stable byte for byte (the call cache keys on them)."""

from __future__ import annotations

import json
from typing import Any


def value_text(value: Any) -> str:
    """An input value as prompt text: strings as they are, structures as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple, bool)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return number_text(value)
    return str(value)


def number_text(value: Any) -> str:
    """Integral floats print without '.0' so demos match what the model is asked to write."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def json_value(value: Any, kind: str) -> Any:
    """An output value as it appears inside the JSON object the model is asked to write."""
    if kind == "number" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind in ("label", "text") and not isinstance(value, str):
        return value_text(value)
    return value
