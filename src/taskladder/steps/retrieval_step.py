"""A retrieval step: search the task's ``documents`` with the step's inputs as the query.

Its one output is the retrieved chunks as ``[{"id": source, "text": ...}]`` (json), best
first, which later steps read like any other value. Retrieval is local and free: no calls,
cost 0, latency measured.
"""

from __future__ import annotations

import time
from typing import Any

from ..errors import ConfigError
from ..retrieval import as_context, build_retriever_for_task, parse_retrieval_spec
from ..task import Task
from .outcome import StepOutcome
from .spec import StepSpec


class RetrievalStep:
    def __init__(self, task: Task, step: StepSpec, where: str):
        if len(step.outputs) != 1:
            raise ConfigError(f"{where}: retrieval step '{step.name}' must declare exactly one output "
                              "(the retrieved chunks), e.g. `outputs: {passages: json}`")
        self.step = step
        self.field = next(iter(step.outputs))
        try:
            self.k = parse_retrieval_spec(step.retrieval).k
        except ConfigError as exc:
            raise ConfigError(f"{where}: step '{step.name}': {exc}") from None
        retriever = build_retriever_for_task(task, step.retrieval)
        if retriever is None:
            raise ConfigError(f"{where}: retrieval step '{step.name}' needs documents, but task '{task.name}' "
                              "lists none; add `documents:` to the task YAML")
        self.retriever = retriever

    async def prepare(self) -> None:
        return None

    async def run(self, example_id: str, inputs: dict[str, Any]) -> StepOutcome:
        values = list(inputs.values())
        query = str(values[0]) if len(values) == 1 else "\n".join(f"{k}: {v}" for k, v in inputs.items())
        start = time.perf_counter()
        try:
            context = as_context(self.retriever.search(query, self.k))
        except Exception as exc:  # one odd query is that row's error, not the run's
            return StepOutcome(error=f"step '{self.step.name}' retrieval failed: {type(exc).__name__}: {exc}",
                               latency_ms=(time.perf_counter() - start) * 1000)
        return StepOutcome(output={self.field: context}, raw_text=", ".join(c["id"] for c in context),
                           latency_ms=(time.perf_counter() - start) * 1000)
