"""User metrics written in Python: ``module:function`` or ``path/to/file.py:function``.

The function takes ``(predicted: dict | None, expected: dict)`` and returns a float in
[0, 1] or a bool. Every way loading or calling it can go wrong becomes a one-line
``ConfigError`` naming the spec string, because the fix is in the user's code.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError
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
                f"custom metric '{self.name}' raised {_one_line(exc)}"
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
    target, _, func_name = spec.rpartition(":")
    if not target or not func_name.isidentifier():
        raise ConfigError(
            f"custom metric '{spec}': expected 'module:function' or 'path/to/file.py:function'"
        )
    module = _load_file(spec, target, base_dir) if _looks_like_file(target) else _import(spec, target)
    function = getattr(module, func_name, None)
    if function is None:
        raise ConfigError(f"custom metric '{spec}': '{target}' has no function '{func_name}'")
    if not callable(function):
        raise ConfigError(f"custom metric '{spec}': '{func_name}' in '{target}' is not a function")
    return CustomMetric(spec, function)


def _looks_like_file(target: str) -> bool:
    return target.endswith(".py") or "/" in target or "\\" in target


def _import(spec: str, module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"custom metric '{spec}': cannot import '{module_name}' ({_one_line(exc)}); "
            "put it on PYTHONPATH or give a file path like path/to/file.py:function"
        ) from None
    except Exception as exc:
        raise ConfigError(
            f"custom metric '{spec}': importing '{module_name}' failed: {_one_line(exc)}"
        ) from None


def _load_file(spec: str, target: str, base_dir: str | Path | None) -> Any:
    path = Path(target).expanduser()
    if not path.is_absolute():
        path = Path(base_dir or Path.cwd()) / path
    if not path.is_file():
        raise ConfigError(f"custom metric '{spec}': file {path} not found")
    # A name unique per file, so two metric files called metric.py never collide.
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    module_spec = importlib.util.spec_from_file_location(f"taskladder_metric_{digest}", path)
    if module_spec is None or module_spec.loader is None:
        raise ConfigError(f"custom metric '{spec}': {path} is not a Python file")
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(
            f"custom metric '{spec}': loading {path} failed: {_one_line(exc)}"
        ) from None
    return module


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
