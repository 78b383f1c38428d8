"""Run a multi-step pipeline over one split of a task and store it as a run.

Per example the steps run level by level (steps of one level side by side); a step whose
input step failed is skipped with that reason. Each LLM step calls through its model's
``ModelCaller``, so every call is cached on its own key: rerunning after an edit to one step
pays only for that step and the steps that read from it. The graph is a ``Predictor`` driven
by the run kernel, so the run is stored like any other (``RunInfo`` + one ``Record`` per
example, per-step detail in ``Record.trace["steps"]``) and resumes after a crash the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..metrics import get_metric
from ..models.base import Prediction, Usage, total_cost
from ..models.config import ModelConfig, resolve_model
from ..runner.budget import Budget
from ..runner.calls import ModelCaller, RunStats
from ..runner.gold import with_gold_patches
from ..runner.kernel import RunPlan, RunResult, execute
from ..runner.preflight import check_access
from ..store import Store
from ..task import Example, Task
from .graph import TASK, Ref, StepGraph, build_graph
from .llm_step import LLMStep
from .outcome import StepOutcome
from .predictor_step import PredictorStep
from .python_step import PythonStep
from .report import step_report
from .retrieval_step import RetrievalStep
from .spec import StepsSpec


@dataclass
class StepsResult(RunResult):
    """A steps run, with its per-step report at hand."""

    @property
    def steps(self) -> dict[str, dict[str, Any]]:
        """Per step: quality against gold (where the data has it), cost, latency, failures."""
        return self.run.summary.steps or {}

    @property
    def attribution(self) -> dict[str, Any]:
        return self.run.summary.attribution or {}

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
    budget: Budget | None = None,
) -> StepsResult:
    """Run ``steps_spec`` over ``task``'s ``split``; score the final outputs and each step."""
    graph = build_graph(steps_spec, task.spec)
    store = store or Store.default()
    task, patches_used = with_gold_patches(task, store, split)  # repairs made in `view`
    scorer = get_metric(metric or task.spec.default_metric(), task.spec)
    configs = {s.name: resolve_model(s.model, models or {}) for s in steps_spec.steps if s.kind == "llm" and s.model}
    plan = RunPlan.for_task(
        task, split, limit, scorer=scorer, model=f"steps:{steps_spec.label()}",
        label=f"{task.name} · steps {steps_spec.label()}",
        identity={"steps": steps_spec.canonical(), "models": {k: v.identity() for k, v in sorted(configs.items())}},
        pipeline={**steps_spec.canonical(), "kind": "steps", "rung": "steps"},
        gold_patches=patches_used,
    )
    stats = RunStats()
    # Build every step before the run is stored, so a bad function or a missing key is a plain error.
    predictor = StepsPredictor(graph, _make_runners(task, graph, configs, store, stats, budget))
    result = execute(plan, predictor, store=store, stats=stats, progress=progress,
                     finish=lambda records: step_report(task, graph, plan.examples, records))
    return StepsResult(run=result.run, records=result.records)


class StepsPredictor:
    """A step graph as a ``Predictor``: one example at a time, its steps level by level."""

    batch_size = 1
    concurrency = 64  # examples in flight; each LLM step's caller bounds its own calls

    def __init__(self, graph: StepGraph, runners: dict[str, Any]):
        self.graph = graph
        self.runners = runners
        self.name = f"steps:{graph.spec.label()}"

    async def aprepare(self, task: Task) -> None:
        """Nothing left to do: every step was built (and its model checked) with the predictor."""

    async def apredict(self, examples: Sequence[Example]) -> list[Prediction]:
        return [prediction_of(self.graph, await run_example(self.graph, self.runners, e)) for e in examples]

    def describe(self) -> dict[str, Any]:
        return {"kind": "steps", "name": self.name, "steps": self.graph.spec.canonical()}


def _make_runners(task: Task, graph: StepGraph, configs: dict[str, ModelConfig], store: Store,
                  stats: RunStats, budget: Budget | None) -> dict[str, Any]:
    callers: dict[str, ModelCaller] = {}
    for cfg in configs.values():
        if cfg.name not in callers:  # steps on one model share its concurrency and rate limits
            check_access(cfg)
            callers[cfg.name] = ModelCaller(cfg, store, stats, budget=budget)
    return {name: _make_runner(task, graph, name, callers[configs[name].name] if name in configs else None)
            for name in graph.order}


def _make_runner(task: Task, graph: StepGraph, name: str, caller):
    step = graph.step(name)
    where = graph.spec.where
    if step.kind == "llm":
        return LLMStep(task, graph, name, caller)
    if step.kind == "python":
        return PythonStep(step, graph.spec.base_dir, where)
    if step.kind == "predictor":
        return PredictorStep(task, graph, name)

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


def prediction_of(graph: StepGraph, outcomes: dict[str, StepOutcome]) -> Prediction:
    """The example's answer: the final fields when every producing step succeeded, else the
    first failing step's error (a failed call) or parse failure; every step's detail in the trace."""
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
    first = graph.final[next(iter(graph.final))]
    return Prediction(
        output=prediction, raw_text=outcomes[first.step].raw_text, parse_error=parse_error, error=error,
        usage=Usage(input_tokens=sum(o.input_tokens for o in ordered),
                    output_tokens=sum(o.output_tokens for o in ordered)),
        cost_usd=total_cost(costs),
        spent_usd=sum(o.spent_usd for o in ordered), latency_ms=_critical_path(graph, outcomes),
        calls=sum(o.calls for o in ordered), cached_calls=sum(o.cached_calls for o in ordered),
        confidence=outcomes[first.step].confidence,
        trace={"steps": {n: outcomes[n].model_dump(exclude_defaults=False) for n in graph.order}},
    )


def _critical_path(graph: StepGraph, outcomes: dict[str, StepOutcome]) -> float:
    """Latency of an example: the slowest chain of steps, since steps of one level run together."""
    finish: dict[str, float] = {}
    for name in graph.order:
        finish[name] = outcomes[name].latency_ms + max((finish[p] for p in graph.parents[name]), default=0.0)
    return max(finish.values(), default=0.0)
