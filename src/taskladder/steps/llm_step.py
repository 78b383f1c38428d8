"""An LLM step: the existing ``LLMPipeline`` on a per-step task.

The per-step ``TaskSpec`` has the step's inputs as its inputs and the step's outputs as its
outputs, so prompts, demos, reasoning and parsing are exactly those of a one-step
pipeline. Its messages depend only on the step's own spec and the values it reads, which is
why an edit to one step leaves every other step's cache keys, and so its calls, untouched.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..errors import ConfigError
from ..models.caller import Caller
from ..pipeline import PipelineSpec
from ..pipeline.llm import LLMPipeline
from ..task import DataSpec, Example, Task, TaskSpec
from .gold import MISSING, gold_output, gold_value
from .graph import TASK, Ref, StepGraph
from .outcome import StepOutcome


def step_task_spec(task: Task, graph: StepGraph, name: str) -> TaskSpec:
    step = graph.step(name)
    outputs = {}
    for field, kind in step.outputs.items():
        if kind.type == "label" and not kind.labels:
            labels = _known_labels(task, graph, name, field)
            kind = kind.model_copy(update={"labels": labels or None})
        outputs[field] = kind
    return TaskSpec(name=f"{task.name}:{name}", instructions=step.instructions or "",
                    inputs=list(graph.inputs[name]), outputs=outputs, data=DataSpec(file="(steps)"),
                    documents=task.spec.documents)


def _known_labels(task: Task, graph: StepGraph, name: str, field: str) -> list[str]:
    """A label step's labels: the task's own when it supplies that task output, else its gold values."""
    ref = Ref(name, field)
    for out, source in graph.final.items():
        if source == ref and task.spec.outputs[out].type == "label":
            return task.labels(out)
    kind = graph.step(name).outputs[field]
    values = (gold_value(e, name, field, kind) for e in task.all_examples())
    return sorted({str(v) for v in values if v is not MISSING})


def step_inputs(example: Example, graph: StepGraph, name: str) -> dict[str, Any] | None:
    """A step's inputs from the row's gold values (for demos); None when one is missing."""
    out = {}
    for local, ref in graph.inputs[name].items():
        if ref.step == TASK:
            out[local] = example.inputs.get(ref.field)
            continue
        value = gold_value(example, ref.step, ref.field, graph.step(ref.step).outputs[ref.field])
        if value is MISSING:
            return None
        out[local] = value
    return out


def step_task(task: Task, graph: StepGraph, name: str) -> Task:
    """The per-step task; its train split is the rows whose gold covers the step's inputs and outputs."""
    spec = step_task_spec(task, graph, name)
    train = []
    for e in task.train:
        inputs = step_inputs(e, graph, name)
        outputs = gold_output(e, name, spec.outputs)
        if inputs is not None and len(outputs) == len(spec.outputs):
            train.append(Example(id=e.id, inputs=inputs, outputs=outputs))
    return Task(spec=spec, train=train, dev=[], test=[], base_dir=task.base_dir, source=task.source)


class LLMStep:
    def __init__(self, task: Task, graph: StepGraph, name: str, caller: Caller):
        self.step = graph.step(name)
        self.task = step_task(task, graph, name)
        demos = self.step.demos
        if demos and demos.k > 0 and not self.task.train:
            raise ConfigError(
                f"{graph.spec.where}: step '{name}' uses demos, but no training row has gold values for its "
                f"inputs and outputs {sorted(self.step.outputs)}; add those columns to the data or drop `demos`")
        self.spec = PipelineSpec(model=self.step.model or "", instructions=self.step.instructions, demos=demos,
                                 retrieval=self.step.retrieval, reasoning=self.step.reasoning,
                                 sampling=self.step.sampling, params=dict(self.step.params))
        self.pipeline = LLMPipeline(self.spec, self.task)
        self.caller = caller
        self._prepared = False
        self._lock = asyncio.Lock()

    async def prepare(self) -> None:
        async with self._lock:
            if not self._prepared:
                await self.pipeline.aprepare(self.caller)
                self._prepared = True

    async def run(self, example_id: str, inputs: dict[str, Any]) -> StepOutcome:
        await self.prepare()
        example = Example(id=example_id, inputs=inputs)
        return StepOutcome.from_prediction(await self.pipeline.apredict(example, self.caller))
