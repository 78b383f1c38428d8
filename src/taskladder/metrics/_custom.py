"""User metrics written in Python: ``module:function`` or ``path/to/file.py:function``.

The function takes ``(predicted: dict | None, expected: dict)`` and returns a float in
[0, 1] or a bool. Every way loading or calling it can go wrong becomes a one-line
``ConfigError`` naming the spec string, because the fix is in the user's code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..usercode import load_callable, one_line
from ._base import Metric, Output


def is_custom_spec(name: str) -> bool:
    return ":" in name


class CustomMetric(Metric):
    """Wraps a user function as a mean-type metric named by its spec string."""

    def __init__(self, spec: str, function: Callable[[Output | None, Output], Any]):
        self.name = spec
        self.function = function

    def _score(self, predicted: Output, expected: Output) -> float:
        try:
            value = self.function(predicted, expected)
        except Exception as exc:  # the user's code: report it as something to fix there
            raise ConfigError(
                f"custom metric '{self.name}' raised {one_line(exc)}"
            ) from exc
        if isinstance(value, bool):
            return float(value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (0.0 <= number <= 1.0):
            raise ConfigError(
                f"custom metric '{self.name}' returned {value!r}; return a float in [0, 1] or a bool"
            )
        return number


def load_custom_metric(spec: str, base_dir: str | Path | None = None) -> CustomMetric:
    """Import the function named by ``spec``; relative file paths resolve from ``base_dir``
    (the task YAML's folder) or else the working directory."""
    return CustomMetric(spec, load_callable(spec, base_dir=base_dir, what=f"custom metric '{spec}'", prefix="metric"))
