"""Choose a metric by name for a task: ``get_metric("accuracy", spec)``.

Names come from the ``taskladder.metrics`` registry (built-ins and installed plugins, see
``taskladder.plugins``); ``module:function`` names a custom metric instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..plugins import Plugin, registry
from ._base import Metric
from ._custom import is_custom_spec, load_custom_metric

if TYPE_CHECKING:
    from ..task.spec import OutputField, TaskSpec

BUILTIN_METRICS = ("exact_match", "accuracy", "macro_f1", "token_f1", "chrf", "numeric", "json_fields")
# pyproject.toml's [project.entry-points."taskladder.metrics"] says the same; tests keep them equal.
BUILTIN_METRIC_FACTORIES: dict[str, str] = {name: f"taskladder.metrics._factories:{name}" for name in BUILTIN_METRICS}


def metric_key(name: str) -> str:
    """The registry key of a metric name: case and ``-``/``_`` do not matter."""
    return name.strip().lower().replace("-", "_")


def metric_plugins() -> dict[str, Plugin]:
    """Every named metric, built-ins first."""
    return registry("metrics", BUILTIN_METRIC_FACTORIES, metric_key)


def metric_names() -> tuple[str, ...]:
    return tuple(metric_plugins())


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
    key = metric_key(name)
    outputs: dict[str, OutputField] = dict(spec.outputs) if spec else {}
    if field is not None and outputs and field not in outputs:
        raise ConfigError(f"metric '{name}': the task has no output field '{field}'; it has {sorted(outputs)}")
    plugins = metric_plugins()
    if key not in plugins:
        raise ConfigError(
            f"unknown metric '{name}'; use one of {', '.join(plugins)} "
            "or a custom 'module:function' / 'path/to/file.py:function'"
        )
    plugin = plugins[key]
    metric = plugin.make(outputs, field)
    if not isinstance(metric, Metric):
        raise ConfigError(
            f"{plugin.describe()} returned {type(metric).__name__}, not a taskladder Metric; "
            "fix or uninstall that plugin, or use another metric"
        )
    return metric
