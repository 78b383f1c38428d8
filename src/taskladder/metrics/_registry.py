"""Choose a metric by name for a task: ``get_metric("accuracy", spec)``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ._base import Metric
from ._builtin import Accuracy, ChrF, ExactMatch, JsonFields, Numeric, TokenF1
from ._custom import is_custom_spec, load_custom_metric
from ._macro_f1 import MacroF1

if TYPE_CHECKING:
    from ..task.spec import OutputField, TaskSpec

# Single-field metrics and the field type each prefers when a task has several outputs.
_SINGLE = {"accuracy": (Accuracy, "label"), "macro_f1": (MacroF1, "label"),
           "token_f1": (TokenF1, "text"), "chrf": (ChrF, "text"), "numeric": (Numeric, "number")}
_ALL_FIELDS = {"exact_match": ExactMatch, "json_fields": JsonFields}
BUILTIN_METRICS = ("exact_match", "accuracy", "macro_f1", "token_f1", "chrf", "numeric", "json_fields")


def get_metric(
    name: str | None,
    spec: TaskSpec | None = None,
    *,
    field: str | None = None,
    base_dir: str | Path | None = None,
) -> Metric:
    """The metric called ``name`` for the task ``spec``.

    ``name=None`` takes the task's own choice (``spec.default_metric()``). Single-field
    metrics compare ``field``, else the task's only output, else its only output of the
    preferred type (label for accuracy/macro_f1, text for token_f1, number for numeric).
    ``module:function`` and ``path/to/file.py:function`` load a custom metric; relative
    paths resolve from ``base_dir`` (the task YAML's folder).
    """
    if name is None:
        if spec is None:
            raise ConfigError("no metric named and no task spec to choose one from")
        name = spec.default_metric()
    if is_custom_spec(name):
        return load_custom_metric(name, base_dir)
    key = name.strip().lower().replace("-", "_")
    outputs: dict[str, OutputField] = dict(spec.outputs) if spec else {}
    if field is not None and outputs and field not in outputs:
        raise ConfigError(f"metric '{name}': the task has no output field '{field}'; it has {sorted(outputs)}")
    if key in _ALL_FIELDS:
        return _ALL_FIELDS[key](outputs, only=[field] if field else (list(outputs) or None))
    if key in _SINGLE:
        cls, preferred = _SINGLE[key]
        target = field or _single_field(key, preferred, outputs)
        return cls(target, outputs.get(target) if target else None)
    raise ConfigError(
        f"unknown metric '{name}'; use one of {', '.join(BUILTIN_METRICS)} "
        "or a custom 'module:function' / 'path/to/file.py:function'"
    )


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
