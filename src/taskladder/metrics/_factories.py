"""The built-in metrics as factories ``factory(outputs, field) -> Metric``.

pyproject.toml declares each under the ``taskladder.metrics`` entry point group, the same way
a plugin declares its own (see ``taskladder.plugins``). ``outputs`` is the task's output
fields ({} without a task); ``field`` the one the user asked to compare, if any.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ._base import Metric
from ._builtin import Accuracy, ChrF, ExactMatch, JsonFields, Numeric, TokenF1, _AllFields, _FieldMetric
from ._macro_f1 import MacroF1

if TYPE_CHECKING:
    from ..task.spec import OutputField

Factory = Callable[["dict[str, OutputField]", "str | None"], Metric]


def _single_field_metric(cls: type[_FieldMetric], preferred: str) -> Factory:
    """A metric over one field: ``field``, else the only output, else the only one of type ``preferred``."""

    def make(outputs: dict[str, OutputField], field: str | None) -> Metric:
        target = field or _single_field(cls.name, preferred, outputs)
        return cls(target, outputs.get(target) if target else None)

    return make


def _all_fields_metric(cls: type[_AllFields]) -> Factory:
    def make(outputs: dict[str, OutputField], field: str | None) -> Metric:
        return cls(outputs, only=[field] if field else (list(outputs) or None))

    return make


def _single_field(metric: str, preferred: str, outputs: dict[str, OutputField]) -> str | None:
    if not outputs:
        return None  # no spec: each example's only field
    if len(outputs) == 1:
        return next(iter(outputs))
    typed = [k for k, v in outputs.items() if v.type == preferred]
    if len(typed) == 1:
        return typed[0]
    raise ConfigError(
        f"metric '{metric}' compares one {preferred} field but the task has outputs {sorted(outputs)}; "
        "pass the field to compare or use json_fields / exact_match"
    )


exact_match = _all_fields_metric(ExactMatch)
json_fields = _all_fields_metric(JsonFields)
accuracy = _single_field_metric(Accuracy, "label")
macro_f1 = _single_field_metric(MacroF1, "label")
token_f1 = _single_field_metric(TokenF1, "text")
chrf = _single_field_metric(ChrF, "text")
numeric = _single_field_metric(Numeric, "number")
