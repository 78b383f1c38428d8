"""A Python step: ``module:function`` (or ``path/to/file.py:function``) from a dict of inputs
to a dict of outputs. Plain code is free and exact; whatever a rule can do goes here.

Loading problems are ``ConfigError``s (the fix is in the steps file or the user's code);
an exception on one row is that row's step error, so one odd input does not sink a run.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import logging
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import ConfigError
from ..prompt.coerce import coerce
from .outcome import StepOutcome
from .spec import StepSpec

log = logging.getLogger(__name__)


def load_function(spec: str, base_dir: Path, where: str) -> Callable[..., Any]:
    target, _, name = spec.rpartition(":")
    if not target or not name.isidentifier():
        raise ConfigError(f"{where}: function '{spec}' must be 'module:function' or 'path/to/file.py:function'")
    if target.endswith(".py") or "/" in target or "\\" in target:
        module = _load_file(spec, target, base_dir, where)
    else:
        try:
            module = importlib.import_module(target)
        except Exception as exc:
            raise ConfigError(f"{where}: cannot import '{target}' for function '{spec}' ({_one_line(exc)}); "
                              "put it on PYTHONPATH or give a file path like rules.py:decide") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise ConfigError(f"{where}: '{target}' has no function '{name}'")
    return fn


def _load_file(spec: str, target: str, base_dir: Path, where: str) -> Any:
    path = Path(target).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        raise ConfigError(f"{where}: function '{spec}': file {path} not found (paths resolve from the steps file)")
    # One module name per file, so two steps files with a rules.py never collide.
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    module_spec = importlib.util.spec_from_file_location(f"taskladder_step_{digest}", path)
    if module_spec is None or module_spec.loader is None:
        raise ConfigError(f"{where}: function '{spec}': {path} is not a Python file")
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(f"{where}: function '{spec}': loading {path} failed: {_one_line(exc)}") from None
    return module


class PythonStep:
    def __init__(self, step: StepSpec, base_dir: Path, where: str):
        self.step = step
        self.fn = load_function(step.function or "", base_dir, f"{where}: step '{step.name}'")
        self._warned = False

    async def prepare(self) -> None:
        return None

    async def run(self, example_id: str, inputs: dict[str, Any]) -> StepOutcome:
        start = time.perf_counter()
        try:
            result = self.fn(dict(inputs))
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # the user's code failing on one row is that row's error
            if not self._warned:
                log.warning("step '%s' raised on example %s: %s", self.step.name, example_id, _one_line(exc))
                self._warned = True
            return StepOutcome(error=f"step '{self.step.name}' raised {_one_line(exc)}", latency_ms=_ms(start))
        latency = _ms(start)
        if not isinstance(result, dict):
            return StepOutcome(error=f"step '{self.step.name}' returned {type(result).__name__}, not a dict",
                               latency_ms=latency)
        output, problems = {}, []
        for name, kind in self.step.outputs.items():
            if name not in result:
                problems.append(f"no '{name}'")
                continue
            value, error = coerce(result[name], kind.type, name, kind.labels)
            if error:
                problems.append(error)
            output[name] = value
        text = repr(result)
        if problems:
            return StepOutcome(raw_text=text, parse_error="; ".join(problems), latency_ms=latency)
        return StepOutcome(output=output, raw_text=text, latency_ms=latency)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
