"""A predictor step: any ``Predictor`` — an offline baseline, a local model, your own object —
as one step of a graph.

It is prepared (fitted) once on the per-step task, whose train split is the rows with gold
values for the step's inputs and outputs, exactly the demos an LLM step would see; then it
answers each example from the values the step reads.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ..baselines import make_baseline
from ..errors import ConfigError
from ..models.base import Predictor
from ..task import Example, Task
from ..usercode import load_callable
from .graph import StepGraph
from .llm_step import step_task
from .outcome import StepOutcome
from .spec import StepSpec


def make_step_predictor(step: StepSpec, base_dir: Path | None, where: str) -> Predictor:
    """The step's predictor: a ``baseline/...`` name, or a factory named ``module:function``."""
    name = step.predictor or ""
    if name.startswith("baseline/"):
        return make_baseline(name)
    what = f"{where}: step '{step.name}' predictor '{name}'"
    made = load_callable(name, base_dir=base_dir, what=what, prefix="taskladder_step_")()
    if not isinstance(made, Predictor):
        raise ConfigError(f"{what} returned {type(made).__name__}, not a Predictor (name, batch_size, concurrency, "
                          "aprepare, apredict, describe)")
    return made


class PredictorStep:
    def __init__(self, task: Task, graph: StepGraph, name: str):
        self.step = graph.step(name)
        self.task = step_task(task, graph, name)
        if not self.task.train:
            raise ConfigError(
                f"{graph.spec.where}: predictor step '{name}' has nothing to learn from: no training row has gold "
                f"values for its inputs and outputs {sorted(self.step.outputs)}; add those columns to the data")
        self.predictor = make_step_predictor(self.step, graph.spec.base_dir, graph.spec.where)
        self._prepared = False
        self._lock = asyncio.Lock()

    async def prepare(self) -> None:
        async with self._lock:
            if not self._prepared:
                await self.predictor.aprepare(self.task)
                self._prepared = True

    async def run(self, example_id: str, inputs: dict[str, Any]) -> StepOutcome:
        await self.prepare()
        (prediction,) = await self.predictor.apredict([Example(id=example_id, inputs=inputs)])
        return StepOutcome.from_prediction(prediction)
