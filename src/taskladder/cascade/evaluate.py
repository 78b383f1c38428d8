"""A cascade as a stored run: one ``Record`` per example (cost = every tier it reached) and a
summary like ``evaluate``'s plus the share of traffic each tier answered."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..models.base import Prediction
from ..store import Record, RunInfo, Store

if TYPE_CHECKING:
    from ..task import Example, Task
    from .cascade import Cascade


@dataclass
class CascadeRun:
    run: RunInfo
    records: list[Record]

    @property
    def summary(self) -> dict[str, Any]:
        return self.run.summary


def evaluate_cascade(task: "Task", cascade: "Cascade", *, split: str = "test", thresholds: Sequence[float] | None = None,
                     limit: int | None = None, store: Store | None = None, metric: str | None = None) -> CascadeRun:
    """Run the cascade on ``split``: later tiers see (and are paid for) only escalated examples."""
    from ..metrics import get_metric

    examples = task.split(split)[: limit if limit else None]
    if not examples:
        raise ConfigError(f"task '{task.name}': the {split} split is empty; add data or change the split")
    scorer = get_metric(metric or task.spec.default_metric(), task.spec)
    limits = list(thresholds) if thresholds is not None else cascade.thresholds
    predictions = cascade.answer(task, examples, limits)
    return store_cascade_run(task, cascade, split, limit, scorer, examples, predictions, limits, store or Store())


def store_cascade_run(task: "Task", cascade: "Cascade", split: str, limit: int | None, scorer,
                      examples: list["Example"], predictions: list[Prediction], thresholds: Sequence[float] | None,
                      store: Store, extra: dict[str, Any] | None = None) -> CascadeRun:
    from ..runner.summary import summarise

    describe = {**cascade.describe(), "thresholds": list(thresholds or []), "rung": "cascade"}
    key = hashlib.sha256(json.dumps({"task": task.fingerprint(), "cascade": describe, "split": split,
                                     "limit": limit, "metric": scorer.name}, sort_keys=True,
                                    default=str).encode()).hexdigest()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    run = RunInfo(
        run_id=f"{stamp}-{hashlib.sha256(f'{key}{time.time_ns()}'.encode()).hexdigest()[:6]}", task=task.name,
        task_fingerprint=task.fingerprint(), model=f"cascade:{cascade.name}", split=split, metric=scorer.name,
        created_at=time.time(), task_spec=task.spec.model_dump(mode="json", by_alias=True), pipeline=describe,
    )
    records = [_record(run, e, p, scorer) for e, p in zip(examples, predictions)]
    store.save_run(run, key)
    store.put_records(records)
    run.summary = summarise(records, scorer, task.spec.volume.calls_per_day)
    answered = Counter(p.trace["cascade"]["tier"] for p in predictions)
    n = len(predictions)
    run.summary.update({
        "thresholds": list(thresholds or []), "signal": cascade.signal.name,
        "share_escalated": sum(p.trace["cascade"]["escalated"] for p in predictions) / n if n else None,
        "tier_share": {t.name: answered.get(t.name, 0) / n if n else 0.0 for t in cascade.tiers},
        **(extra or {}),
    })
    run.status = "finished"
    store.save_run(run, key)
    return CascadeRun(run=run, records=records)


def _record(run: RunInfo, example: "Example", p: Prediction, scorer) -> Record:
    score = scorer.score(p.output, example.outputs) if p.output is not None else 0.0
    return Record(
        run_id=run.run_id, example_id=example.id, split=run.split, inputs=example.inputs,
        expected=example.outputs, prediction=p.output, raw_text=p.raw_text, parse_status=p.parse_status,
        parse_error=p.parse_error, score=float(score), input_tokens=p.usage.input_tokens,
        output_tokens=p.usage.output_tokens, cost_usd=p.cost_usd, spent_usd=p.spent_usd, latency_ms=p.latency_ms,
        calls=p.calls, cached_calls=p.cached_calls, error=p.error, confidence=p.confidence, trace=p.trace,
    )
