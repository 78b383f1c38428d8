"""A cascade as a stored run: one ``Record`` per example (cost = every tier it reached) and a
summary like ``evaluate``'s plus the share of traffic each tier answered.

The cascade is a ``Predictor`` driven by the run kernel, so a killed cascade run resumes
where it stopped, and its LLM tier's finished calls come back from the cache.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..metrics import Metric, get_metric
from ..models.base import Prediction
from ..runner.gold import with_gold_patches
from ..runner.kernel import RunPlan, RunResult, execute
from ..store import Record, Store
from ..task import Example, Task
from .cascade import Cascade

# Examples per cascade batch: the cheap tier answers a batch at once and the strong tier
# gets that batch's escalations together, so its calls overlap; records checkpoint per batch.
BATCH = 256


@dataclass
class CascadeRun(RunResult):
    """A stored cascade run."""


class CascadePredictor:
    """``cascade`` at fixed ``thresholds`` as a ``Predictor``."""

    batch_size = BATCH
    concurrency = 1  # one batch at a time; the strong tier runs a batch's escalations concurrently

    def __init__(self, cascade: Cascade, thresholds: Sequence[float]):
        self.cascade = cascade
        self.thresholds = list(thresholds)
        self.name = f"cascade:{cascade.name}"

    async def aprepare(self, task: Task) -> None:
        await self.cascade.afit(task)

    async def apredict(self, examples: Sequence[Example]) -> list[Prediction]:
        return await self.cascade.aanswer(list(examples), self.thresholds)

    def describe(self) -> dict[str, Any]:
        return {**self.cascade.describe(), "thresholds": self.thresholds}


class KnownAnswers:
    """Predictions already made (a cascade composed from observed tiers) as a ``Predictor``."""

    batch_size = 4096
    concurrency = 1

    def __init__(self, name: str, examples: Sequence[Example], predictions: Sequence[Prediction]):
        self.name = name
        self._by_id = {e.id: p for e, p in zip(examples, predictions)}

    async def aprepare(self, task: Task) -> None:
        """The answers exist already."""

    async def apredict(self, examples: Sequence[Example]) -> list[Prediction]:
        return [self._by_id[e.id] for e in examples]

    def describe(self) -> dict[str, Any]:
        return {"kind": "known-answers", "name": self.name}


def evaluate_cascade(task: Task, cascade: Cascade, *, split: str = "test", thresholds: Sequence[float] | None = None,
                     limit: int | None = None, store: Store | None = None, metric: str | None = None,
                     progress: bool = False) -> CascadeRun:
    """Run the cascade on ``split``: later tiers see (and are paid for) only escalated examples."""
    scorer = get_metric(metric or task.spec.default_metric(), task.spec)
    limits = cascade.limits(thresholds)
    return _run(task, cascade, split, limit, scorer, limits, CascadePredictor(cascade, limits), store or Store.default(),
                progress=progress)


def store_cascade_run(task: Task, cascade: Cascade, split: str, limit: int | None, scorer: Metric,
                      examples: Sequence[Example], predictions: list[Prediction], thresholds: Sequence[float] | None,
                      store: Store, extra: dict[str, Any] | None = None) -> CascadeRun:
    """Store a cascade's answers made elsewhere (composed from observed tiers) as its run."""
    answers = KnownAnswers(f"cascade:{cascade.name}", examples, predictions)
    return _run(task, cascade, split, limit, scorer, list(thresholds or []), answers, store, extra=extra)


def _run(task: Task, cascade: Cascade, split: str, limit: int | None, scorer: Metric, thresholds: list[float],
         predictor: Any, store: Store, *, extra: dict[str, Any] | None = None, progress: bool = False) -> CascadeRun:
    describe = {**cascade.describe(), "thresholds": thresholds, "rung": "cascade"}
    task, patches_used = with_gold_patches(task, store, split)  # repairs made in `view`
    plan = RunPlan.for_task(task, split, limit, scorer=scorer, model=f"cascade:{cascade.name}",
                            label=f"{task.name} · cascade {cascade.name}", identity={"cascade": describe},
                            pipeline=describe, gold_patches=patches_used)

    def finish(records: Sequence[Record]) -> dict[str, Any]:
        tiers = [r.trace["cascade"] for r in records]
        answered = Counter(t["tier"] for t in tiers)
        n = len(records)
        return {"thresholds": thresholds, "signal": cascade.signal.name,
                "share_escalated": sum(t["escalated"] for t in tiers) / n if n else None,
                "tier_share": {t.name: answered.get(t.name, 0) / n if n else 0.0 for t in cascade.tiers},
                **(extra or {})}

    result = execute(plan, predictor, store=store, progress=progress, finish=finish)
    return CascadeRun(run=result.run, records=result.records)
