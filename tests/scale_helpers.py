"""A deterministic offline predictor and a task of any size, for the kernel's scale tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers import write_task

from taskladder.metrics import get_metric
from taskladder.models.base import Prediction, Usage
from taskladder.runner import RunPlan
from taskladder.task import Example, Task, load_task


def big_task(folder: Path, n: int) -> Task:
    """About ``n`` dev examples (the split is random: ask the task how many)."""
    rows = [{"id": f"e{i}", "text": f"message {i}", "label": "pos" if i % 3 else "neg"} for i in range(2 * n)]
    return load_task(write_task(folder, rows, split={"dev": 0.5, "test": 0.0, "seed": 0}))


def scripted_plan(task: Task) -> RunPlan:
    """A plan over ``task``'s dev split for ``Scripted`` (the same key every time: resumable)."""
    return RunPlan.for_task(
        task,
        "dev",
        None,
        scorer=get_metric(task.spec.default_metric(), task.spec),
        model="scripted",
        identity={"p": "scripted"},
        pipeline={"kind": "scripted"},
    )


class Scripted:
    """Answers from a hash of the example id: right or wrong, costs and latencies with fractions,
    some parse failures, some errors, demo counts and retrieval recall, so every summary figure
    has something to add up. ``stop_after`` raises after that many batches (an interrupted run)."""

    name = "scripted"

    def __init__(self, batch_size: int = 8, concurrency: int = 4, stop_after: int | None = None, error_every: int = 0):
        self.batch_size, self.concurrency = batch_size, concurrency
        self.stop_after, self.error_every = stop_after, error_every
        self.asked: list[str] = []
        self.batches = 0

    async def aprepare(self, task: Task) -> None:
        return None

    async def apredict(self, examples: Sequence[Example]) -> list[Prediction]:
        self.batches += 1
        if self.stop_after is not None and self.batches > self.stop_after:
            raise KeyboardInterrupt
        self.asked.extend(e.id for e in examples)
        return [self._one(e) for e in examples]

    def _one(self, e: Example) -> Prediction:
        h = int(hashlib.sha256(e.id.encode()).hexdigest()[:8], 16)
        trace: dict[str, Any] = {"demo_ids": [f"d{j}" for j in range(h % 5)]}
        if h % 7 == 0:
            trace["retrieval_recall"] = (h % 100) / 97
        common = dict(
            usage=Usage(input_tokens=h % 300, output_tokens=h % 11),
            cost_usd=(h % 1000) * 1.1e-7,
            spent_usd=(h % 13) * 3.3e-7,
            latency_ms=(h % 5000) / 7,
            calls=1,
            cached_calls=h % 2,
            trace=trace,
        )
        if self.error_every and h % self.error_every == 0:
            return Prediction(error=f"HTTP 500 for {e.id}", **common)
        if h % 11 == 0:
            return Prediction(output=None, parse_error="no label", raw_text="??", **common)
        label = e.outputs["label"] if h % 4 else "other"
        return Prediction(output={"label": label}, raw_text=label, **common)

    def describe(self) -> dict[str, Any]:
        return {"kind": "scripted", "error_every": self.error_every}
