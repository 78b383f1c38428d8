"""A Python step: ``module:function`` (or ``path/to/file.py:function``) from a dict of inputs
to a dict of outputs. Plain code is free and exact; whatever a rule can do goes here.

Loading problems are ``ConfigError``s (the fix is in the steps file or the user's code);
an exception on one row is that row's step error, so one odd input does not sink a run.
"""

from __future__ import annotations

import inspect
import logging
import time
from pathlib import Path
from typing import Any, Callable

from ..prompt.coerce import coerce
from ..usercode import load_callable, one_line
from .outcome import StepOutcome
from .spec import StepSpec

log = logging.getLogger(__name__)


def load_function(spec: str, base_dir: Path, where: str) -> Callable[..., Any]:
    return load_callable(spec, base_dir=base_dir, what=f"{where}: function '{spec}'", prefix="step")


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
                log.warning("step '%s' raised on example %s: %s", self.step.name, example_id, one_line(exc))
                self._warned = True
            return StepOutcome(error=f"step '{self.step.name}' raised {one_line(exc)}", latency_ms=_ms(start))
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
