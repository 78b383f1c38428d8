"""LLM pipelines as ``Predictor``s: a pipeline bound to its model's ``ModelCaller``.

The pipeline decides what to send; the caller brings cache, budget, retries and rate
limits. Bound together they answer examples like any other predictor, so the run kernel,
a cascade tier or a step can hold one without knowing it calls a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..models.base import Prediction
from ..pipeline.llm import LLMPipeline
from ..task import Example, Task
from .calls import ModelCaller
from .preflight import check_access

# Examples in flight per provider-call slot: a little more than one keeps the caller's
# semaphore saturated while answers are parsed and recorded.
EXAMPLES_PER_SLOT = 4
MIN_EXAMPLES_IN_FLIGHT = 64


class PipelinePredictor:
    """``pipeline`` answering through ``caller``; checks the model can be called before preparing."""

    batch_size = 1  # one example per apredict: the caller interleaves calls across examples

    def __init__(self, pipeline: LLMPipeline, caller: ModelCaller, *, check: bool = True):
        self.pipeline = pipeline
        self.caller = caller
        self.name = pipeline.name
        self.concurrency = max(caller.concurrency * EXAMPLES_PER_SLOT, MIN_EXAMPLES_IN_FLIGHT)
        self.calls_in_flight = caller.concurrency  # the kernel starts this many workers first
        self._check = check

    async def aprepare(self, task: Task) -> None:
        if self._check:
            check_access(self.caller.cfg)  # a missing key or a dead server: one line, before any call
        await self.pipeline.aprepare(self.caller)

    async def apredict(self, examples: Sequence[Example]) -> list[Prediction]:
        return [await self.pipeline.apredict(e, self.caller) for e in examples]

    def describe(self) -> dict[str, Any]:
        return {"kind": "llm", "name": self.name, "pipeline": self.pipeline.spec.model_dump(exclude_none=True)}
