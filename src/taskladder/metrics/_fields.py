"""Reading one output field from a prediction and matching it by the field's type."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError, DataError
from ..task.spec import OutputField
from ._normalize import json_equal, normalize_text, numbers_match, token_f1


def infer_field(value: Any) -> OutputField:
    """The type a field has when no task spec says (e.g. a custom script passes raw dicts)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return OutputField(type="number")
    if isinstance(value, (dict, list)):
        return OutputField(type="json")
    return OutputField(type="label")


def pick_field(field: str | None, expected: dict[str, Any], metric: str) -> str:
    """The field a single-field metric compares: the configured one, or the only one."""
    if field is not None:
        if field not in expected:
            raise DataError(
                "expected outputs", f"no value for the field {metric} compares; the example has {sorted(expected)}",
                field=field,
            )
        return field
    if len(expected) != 1:
        raise ConfigError(
            f"metric '{metric}' compares one field but the outputs have {sorted(expected)}; "
            "name the field or use json_fields"
        )
    return next(iter(expected))


def exact_field(kind: OutputField, predicted: Any, expected: Any) -> float:
    """All-or-nothing match of one field, by type."""
    if predicted is None:
        return 0.0
    if kind.type == "number":
        return float(numbers_match(predicted, expected, kind.tolerance))
    if kind.type == "json":
        return float(json_equal(predicted, expected))
    return float(normalize_text(predicted) == normalize_text(expected))


def graded_field(kind: OutputField, predicted: Any, expected: Any) -> float:
    """Like ``exact_field`` but free text earns token-F1 partial credit."""
    if predicted is None:
        return 0.0
    if kind.type == "text":
        return token_f1(predicted, expected)
    return exact_field(kind, predicted, expected)
