"""Evaluate one pipeline (an LLM pipeline or an offline baseline) on one split of a task.

The run is keyed by (task content, split, limit, pipeline, model identity). Rerunning the
same command after a crash finds the unfinished run and carries on: examples that already
have records are skipped, and calls made before the crash come back from the cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..models.base import Prediction
from ..models.config import ModelConfig, resolve_model
from ..pipeline.spec import PipelineSpec
from ..store import Record, RunInfo, Store
from ..task import Example, Task
from .budget import Budget
from .calls import ModelCaller, RunStats
from .progress import progress_bar, status_line
from .summary import summarise

FLUSH_EVERY = 500
FLUSH_SECONDS = 2.0


@dataclass
class EvalResult:
    run: RunInfo
    records: list[Record]

    @property
    def summary(self) -> dict[str, Any]:
        return self.run.summary


def evaluate(
    task: Task,
    pipeline: PipelineSpec | str,
    *,
    split: str = "dev",
    limit: int | None = None,
    models: dict[str, ModelConfig] | None = None,
    store: Store | None = None,
    concurrency: int | None = None,
    progress: bool = True,
    client: Any = None,
    metric: str | None = None,
    budget: "Budget | None" = None,
) -> EvalResult:
    """Run ``pipeline`` over ``task``'s ``split`` and return its run and records.

    ``budget`` is a hard cap shared across runs: no provider call starts unless its
    worst-case cost still fits (see ``runner.budget``).
    """
    spec = PipelineSpec(model=pipeline) if isinstance(pipeline, str) else pipeline
    store = store or Store()
    examples = task.split(split)[: limit if limit else None]
    if not examples:
        raise ConfigError(f"task '{task.name}': the {split} split is empty; add data or change the split")
    from ..metrics import get_metric

    scorer = get_metric(metric or task.spec.default_metric(), task.spec)
    cfg = None if spec.is_baseline else resolve_model(spec.model, models or {})
    run_key = _run_key(task, spec, cfg, split, limit, scorer.name)
    run = store.find_unfinished_run(run_key) or RunInfo(
        run_id=_new_run_id(run_key), task=task.name, task_fingerprint=task.fingerprint(),
        model=spec.model, split=split, metric=scorer.name, created_at=time.time(),
        task_spec=task.spec.model_dump(mode="json", by_alias=True),
        pipeline={**spec.model_dump(exclude_none=True), "kind": "baseline" if spec.is_baseline else "llm",
                  "rung": spec.rung or _default_rung(spec)},
    )
    store.save_run(run, run_key)
    done = store.record_ids(run.run_id)
    todo = [e for e in examples if e.id not in done]

    stats = RunStats()
    fresh: list[Record] = []
    try:
        if spec.is_baseline:
            with status_line(f"{task.name} · {spec.model}: fitting on {len(task.train)} and predicting {len(todo)}",
                             enabled=progress and bool(todo)):
                fresh = _run_baseline(task, spec, todo, run, store, scorer)
        else:
            fresh = asyncio.run(_run_llm(task, spec, cfg, todo, run, store, scorer, stats, concurrency, progress,
                                         client, budget, models))
    except BaseException:
        run.status = "interrupted"
        store.save_run(run, run_key)
        raise

    records = finish_run(task, run, run_key, store, examples, fresh, done, scorer, stats)
    return EvalResult(run=run, records=records)


def finish_run(task: Task, run: RunInfo, run_key: str, store: Store, examples: list[Example], fresh: list[Record],
               done: set[str], scorer, stats: RunStats, extra: dict[str, Any] | None = None) -> list[Record]:
    """Gather the run's records in example order, summarise them, and mark the run finished.

    Records of a resumed run come back from the store; this run's are still in memory.
    """
    by_id = {r.example_id: r for r in (store.get_records(run.run_id) if done else [])}
    by_id.update((r.example_id, r) for r in fresh)
    records = [by_id[e.id] for e in examples if e.id in by_id]
    run.summary = summarise(records, scorer, task.spec.volume.calls_per_day)
    run.summary.update({"retries": stats.retries, "resumed_records": len(done)})
    run.summary.update(extra or {})
    run.status = "finished"
    store.save_run(run, run_key)
    return records


def _run_baseline(task: Task, spec: PipelineSpec, todo: list[Example], run: RunInfo, store: Store,
                  scorer) -> list[Record]:
    if not todo:
        return []
    from ..baselines import make_baseline

    predictor = make_baseline(spec.model)
    predictor.fit(task)
    predictions = predictor.predict(todo)
    records = [_record(run, e, p, scorer) for e, p in zip(todo, predictions)]
    store.put_records(records)
    return records


async def _run_llm(task, spec, cfg, todo, run, store, scorer, stats, concurrency, progress, client,
                   budget=None, models=None) -> list[Record]:
    from ..pipeline.llm import LLMPipeline
    from .preflight import check_access

    if todo and client is None:
        check_access(cfg)
    pipeline = LLMPipeline(spec, task, models)
    caller = ModelCaller(cfg, store, stats, client=client, concurrency=concurrency, budget=budget)
    await pipeline.aprepare(caller)
    pending: list[Record] = []
    finished: list[Record] = []
    queue = iter(todo)
    last_flush = time.monotonic()

    async def worker() -> None:
        # A fixed pool of workers a little larger than the call concurrency keeps the
        # ModelCaller's semaphore saturated without a task (and a wake-up) per example.
        nonlocal last_flush
        for example in queue:
            prediction = await pipeline.apredict(example, caller)
            record = _record(run, example, prediction, scorer)
            pending.append(record)
            finished.append(record)
            bar.advance()
            # Records are only a view of cached calls, so batching their writes is safe.
            if len(pending) >= FLUSH_EVERY or time.monotonic() - last_flush > FLUSH_SECONDS:
                store.put_records(pending[:])
                pending.clear()
                last_flush = time.monotonic()

    with progress_bar(f"{task.name} · {spec.label()}", len(todo), stats, enabled=progress) as bar:
        try:
            await asyncio.gather(*(worker() for _ in range(max(caller._concurrency * 4, 64))))
        finally:
            store.put_records(pending)
    return finished


def _record(run: RunInfo, example: Example, p: Prediction, scorer) -> Record:
    score = scorer.score(p.output, example.outputs) if p.output is not None else 0.0
    return Record(
        run_id=run.run_id, example_id=example.id, split=run.split, inputs=example.inputs,
        expected=example.outputs, prediction=p.output, raw_text=p.raw_text, parse_status=p.parse_status,
        parse_error=p.parse_error, score=float(score), input_tokens=p.usage.input_tokens,
        output_tokens=p.usage.output_tokens, cost_usd=p.cost_usd, spent_usd=p.spent_usd,
        latency_ms=p.latency_ms, calls=p.calls, cached_calls=p.cached_calls, error=p.error,
        confidence=p.confidence, trace=p.trace,
    )


def _run_key(task: Task, spec: PipelineSpec, cfg: ModelConfig | None, split: str, limit: int | None,
             metric: str) -> str:
    ident = cfg.identity() if cfg else {}
    payload = json.dumps(
        {"task": task.fingerprint(), "pipeline": spec.canonical(), "model": ident, "split": split,
         "limit": limit, "metric": metric},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _default_rung(spec: PipelineSpec) -> str | None:
    if spec.is_baseline:
        return None
    if spec.demos and spec.demos.k:
        return "max-shots" if spec.demos.max_shots else ("knn-shots" if spec.demos.strategy in ("bm25", "embedding", "mmr") else "few-shot")
    return "zero-shot"


def _new_run_id(run_key: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    salt = hashlib.sha256(f"{run_key}{time.time_ns()}".encode()).hexdigest()[:6]
    return f"{stamp}-{salt}"
