"""`taskladder eval --dry-run`: what a run would send and cost, with nothing sent and no run stored."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import ConfigError
from ..ladder.estimate import estimate_rung
from ..models.config import ModelConfig, resolve_model
from ..pipeline.plan import PipelinePlan
from ..pipeline.spec import PipelineSpec
from ..runner.judge_cost import judge_estimate
from ..runner.planning import plan_pipeline
from ..store import Store
from ..task import Task
from .common import money


def dry_run(task: Task, spec: PipelineSpec, *, split: str, limit: int | None, models: dict[str, ModelConfig],
            store: Store, show: int) -> dict[str, Any]:
    """The plans of the first ``show`` examples and the calls and cost of the whole split:
    the pipeline's own calls, a rationale bootstrap's before them, a best-of-N judge's after."""
    examples = task.split(split)[: limit if limit else None]
    if not examples:
        raise ConfigError(f"task '{task.name}': the {split} split is empty; add data or change the split")
    head = {"dry_run": True, "task": task.name, "split": split, "label": spec.label(), "model": spec.model,
            "examples": len(examples)}
    if spec.is_baseline:
        return head | {"kind": "baseline", "calls": 0, "cached_calls": 0, "estimated_usd": 0.0, "max_usd": 0.0,
                       "judge_calls_follow": False, "judge_calls": 0, "bootstrap_calls": 0, "plans": []}
    cfg = resolve_model(spec.model, models)
    planned = plan_pipeline(task, spec, models, store, examples[:show])
    # Counts the bootstrap's calls too (rationale demos), with the same placeholders.
    estimate = estimate_rung(task, _samples_only(spec), cfg, store, examples)
    judge = judge_estimate(task, spec, models, examples)
    typical, worst = estimate.typical_usd, estimate.max_usd
    if judge is not None:
        typical = None if typical is None or judge.typical_usd is None else typical + judge.typical_usd
        worst = None if worst is None or judge.max_usd is None else worst + judge.max_usd
    boot = planned.bootstrap
    return head | {"kind": "llm", "calls": estimate.calls + (judge.calls if judge else 0),
                   "cached_calls": estimate.cached_calls, "estimated_usd": typical, "max_usd": worst,
                   "judge_calls_follow": judge is not None, "judge": judge.judge if judge else None,
                   "judge_calls": judge.calls if judge else 0,
                   "bootstrap_calls": boot.calls if boot else 0, "bootstrap_cached_calls": boot.cached_calls if boot else 0,
                   "placeholder": planned.placeholder,
                   "plans": [p.model_dump() for p in planned.plans]}


def _samples_only(spec: PipelineSpec) -> PipelineSpec:
    """Best-of-N without its judge: the sample calls, priced at the pipeline's model (the
    judge's calls are priced apart, at the judge's model: ``judge_estimate``)."""
    if not spec.sampling or spec.sampling.select != "judge":
        return spec
    return spec.model_copy(update={"sampling": spec.sampling.model_copy(update={"select": "vote", "judge": None})})


def print_dry_run(result: dict[str, Any]) -> None:
    title = f"{result['task']} · {result['split']} · {result['label']}: {result['examples']} examples"
    if result["kind"] == "baseline":
        typer.echo(f"{title} · offline baseline, no provider calls")
        return
    unpriced = "this model" + (" or its judge" if result.get("judge_calls") else "")
    cost = (f"cost unknown (no price for {unpriced})" if result["estimated_usd"] is None else
            f"estimated {money(result['estimated_usd'])} (at most {money(result['max_usd'])})")
    typer.echo(f"{title} → {result['calls']} calls ({result['cached_calls']} cached) · {cost}")
    if result.get("bootstrap_calls"):
        typer.echo(f"  of which {result['bootstrap_calls']} rationale bootstrap calls "
                   f"({result['bootstrap_cached_calls']} cached), made once before the examples")
    if result.get("judge_calls"):
        typer.echo(f"  of which up to {result['judge_calls']} calls of the judge {result['judge']} (every sample "
                   "parsing), priced with the expected answer standing in for the samples'")
    if result.get("placeholder"):
        typer.echo(f"  note: {result['placeholder']}")
    for plan in map(PipelinePlan.model_validate, result["plans"]):
        if plan.blocked:
            typer.echo(f"\n── example {plan.example_id}: {plan.blocked}; no call")
        for i, call in enumerate(plan.calls, 1):
            params = " ".join(f"{k}={v}" for k, v in sorted(call.params.items()))
            typer.echo(f"\n── example {plan.example_id} · call {i} of {len(plan.calls)} · sample {call.sample_index}"
                       f" · {params} · key {(call.cache_key or '')[:12]}")
            for message in call.messages:
                typer.echo(f"[{message['role']}]\n{message['content']}")
