"""Run a multi-step pipeline over one split of a task and store it as a run.

Per example the steps run level by level (steps of one level side by side); a step whose
input step failed is skipped with that reason. Each LLM step calls through its model's
``ModelCaller``, so every call is cached on its own key: rerunning after an edit to one step
pays only for that step and the steps that read from it. The run is stored like any other
(``RunInfo`` + one ``Record`` per example, per-step detail in ``Record.trace["steps"]``) and
resumes after a crash the way ``evaluate`` does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..models.config import ModelConfig, resolve_model
from ..store import Record, RunInfo, Store
from ..task import Example, Task
from .graph import TASK, Ref, StepGraph, build_graph
from .outcome import StepOutcome
from .spec import StepsSpec

if TYPE_CHECKING:
    from ..runner.budget import Budget
    from ..runner.calls import RunStats

FLUSH_EVERY = 50


@dataclass
class StepsResult:
    run: RunInfo
    records: list[Record]

    @property
    def summary(self) -> dict[str, Any]:
        return self.run.summary

    @property
    def steps(self) -> dict[str, dict[str, Any]]:
        """Per step: quality against gold (where the data has it), cost, latency, failures."""
        return self.run.summary.get("steps", {})

    @property
    def attribution(self) -> dict[str, Any]:
        return self.run.summary.get("attribution", {})

    @property
    def outputs(self) -> dict[str, dict[str, Any] | None]:
        """Final outputs by example id."""
        return {r.example_id: r.prediction for r in self.records}

    @property
    def step_outputs(self) -> dict[str, dict[str, dict[str, Any] | None]]:
        """Each step's output by example id, then step name."""
        return {r.example_id: {name: s.get("output") for name, s in r.trace.get("steps", {}).items()}
                for r in self.records}


def run_steps(
    task: Task,
    steps_spec: StepsSpec,
    *,
    split: str = "dev",
    models: dict[str, ModelConfig] | None = None,
    store: Store | None = None,
    limit: int | None = None,
    metric: str | None = None,
    progress: bool = False,
    budget: "Budget | None" = None,
) -> StepsResult:
    """Run ``steps_spec`` over ``task``'s ``split``; score the final outputs and each step."""
    from ..metrics import get_metric
    from ..runner.calls import RunStats
    from ..runner.evaluate import finish_run
    from .report import step_report

    graph = build_graph(steps_spec, task.spec)
    store = store or Store()
    examples = task.split(split)[: limit if limit else None]
    if not examples:
        raise ConfigError(f"task '{task.name}': the {split} split is empty; add data or change the split")
    scorer = get_metric(metric or task.spec.default_metric(), task.spec)
    configs = {s.name: resolve_model(s.model, models or {}) for s in steps_spec.steps if s.kind == "llm"}
    stats = RunStats()
    # Build every step before the run is stored, so a bad function or a missing key is a plain error.
    runners = _make_runners(task, graph, configs, store, stats, budget)
    run_key = _run_key(task, steps_spec, configs, split, limit, scorer.name)
    run = store.find_unfinished_run(run_key) or RunInfo(
        run_id=_new_run_id(run_key), task=task.name, task_fingerprint=task.fingerprint(),
        model=f"steps:{steps_spec.label()}", split=split, metric=scorer.name, created_at=time.time(),
        task_spec=task.spec.model_dump(mode="json", by_alias=True),
        pipeline={**steps_spec.canonical(), "kind": "steps", "rung": "steps"},
    )
    store.save_run(run, run_key)
    done = store.record_ids(run.run_id)
    todo = [e for e in examples if e.id not in done]
    try:
        fresh = asyncio.run(_run(task, graph, runners, todo, run, store, scorer, stats, progress))
    except BaseException:
        run.status = "interrupted"
        store.save_run(run, run_key)
        raise
    records = finish_run(task, run, run_key, store, examples, fresh, done, scorer, stats)
    run.summary.update(step_report(task, graph, examples, records))
    store.save_run(run, run_key)
    return StepsResult(run=run, records=records)


def _make_runners(task: Task, graph: StepGraph, configs: dict[str, ModelConfig], store: Store,
                  stats: "RunStats", budget: "Budget | None") -> dict[str, Any]:
    from ..runner.calls import ModelCaller
    from ..runner.preflight import check_access

    callers: dict[str, ModelCaller] = {}
    for cfg in configs.values():
        if cfg.name not in callers:  # steps on one model share its concurrency and rate limits
            check_access(cfg)
            callers[cfg.name] = ModelCaller(cfg, store, stats, budget=budget)
    return {name: _make_runner(task, graph, name, callers[configs[name].name] if name in configs else None)
            for name in graph.order}


async def _run(task, graph: StepGraph, runners, todo, run, store, scorer, stats, progress) -> list[Record]:
    from ..runner.progress import progress_bar

    pending: list[Record] = []
    finished: list[Record] = []
    gate = asyncio.Semaphore(64)

    async def one(example: Example) -> None:
        async with gate:
            outcomes = await run_example(graph, runners, example)
        record = _record(run, graph, example, outcomes, scorer)
        pending.append(record)
        finished.append(record)
        bar.advance()
        if len(pending) >= FLUSH_EVERY:
            store.put_records(pending[:])
            pending.clear()

    with progress_bar(f"{task.name} · steps {graph.spec.label()}", len(todo), stats, enabled=progress) as bar:
        try:
            await asyncio.gather(*(one(e) for e in todo))
        finally:
            store.put_records(pending)
    return finished


def _make_runner(task: Task, graph: StepGraph, name: str, caller):
    step = graph.step(name)
    where = graph.spec.where
    if step.kind == "llm":
        from .llm_step import LLMStep

        return LLMStep(task, graph, name, caller)
    if step.kind == "python":
        from .python_step import PythonStep

        return PythonStep(step, graph.spec.base_dir, where)
    from .retrieval_step import RetrievalStep

    return RetrievalStep(task, step, where)


async def run_example(graph: StepGraph, runners: dict[str, Any], example: Example) -> dict[str, StepOutcome]:
    """Every step's outcome for one example, in graph order."""
    values: dict[Ref, Any] = {Ref(TASK, k): v for k, v in example.inputs.items()}
    outcomes: dict[str, StepOutcome] = {}

    async def step(name: str) -> StepOutcome:
        failed = [p for p in sorted(graph.parents[name]) if not outcomes[p].ok]
        if failed:
            return StepOutcome(error=f"skipped: step '{failed[0]}' failed")
        inputs = {local: values[ref] for local, ref in graph.inputs[name].items()}
        return await runners[name].run(example.id, inputs)

    for level in graph.levels:
        for name, outcome in zip(level, await asyncio.gather(*(step(n) for n in level))):
            outcomes[name] = outcome
            if outcome.ok:
                values.update((Ref(name, k), v) for k, v in (outcome.output or {}).items())
    return outcomes


def _record(run: RunInfo, graph: StepGraph, example: Example, outcomes: dict[str, StepOutcome], scorer) -> Record:
    ordered = [outcomes[n] for n in graph.order]
    producers = [outcomes[r.step] for r in graph.final.values()]
    prediction = None
    if all(p.ok for p in producers):
        prediction = {f: (outcomes[r.step].output or {}).get(r.field) for f, r in graph.final.items()}
    root = next((n for n in graph.order if not outcomes[n].ok), None)
    error = parse_error = None
    if prediction is None and root is not None:
        o = outcomes[root]
        if o.error:
            error = f"step '{root}': {o.error}"
        else:
            parse_error = f"step '{root}': {o.parse_error}"
    costs = [o.cost_usd for o in ordered]
    score = scorer.score(prediction, example.outputs) if prediction is not None else 0.0
    first = graph.final[next(iter(graph.final))]
    return Record(
        run_id=run.run_id, example_id=example.id, split=run.split, inputs=example.inputs,
        expected=example.outputs, prediction=prediction, raw_text=outcomes[first.step].raw_text,
        parse_status="error" if error else ("failed" if prediction is None else "ok"), parse_error=parse_error,
        score=float(score), input_tokens=sum(o.input_tokens for o in ordered),
        output_tokens=sum(o.output_tokens for o in ordered),
        cost_usd=None if any(c is None for c in costs) else float(sum(costs)),
        spent_usd=sum(o.spent_usd for o in ordered), latency_ms=_critical_path(graph, outcomes),
        calls=sum(o.calls for o in ordered), cached_calls=sum(o.cached_calls for o in ordered), error=error,
        confidence=outcomes[first.step].confidence,
        trace={"steps": {n: outcomes[n].model_dump(exclude_defaults=False) for n in graph.order}},
    )


def _critical_path(graph: StepGraph, outcomes: dict[str, StepOutcome]) -> float:
    """Latency of an example: the slowest chain of steps, since steps of one level run together."""
    finish: dict[str, float] = {}
    for name in graph.order:
        finish[name] = outcomes[name].latency_ms + max((finish[p] for p in graph.parents[name]), default=0.0)
    return max(finish.values(), default=0.0)


def _run_key(task: Task, spec: StepsSpec, configs: dict[str, ModelConfig], split: str, limit: int | None,
             metric: str) -> str:
    payload = json.dumps(
        {"task": task.fingerprint(), "steps": spec.canonical(),
         "models": {k: v.identity() for k, v in sorted(configs.items())}, "split": split, "limit": limit,
         "metric": metric},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _new_run_id(run_key: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    salt = hashlib.sha256(f"{run_key}{time.time_ns()}".encode()).hexdigest()[:6]
    return f"{stamp}-{salt}"
