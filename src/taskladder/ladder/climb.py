"""`climb`: baselines, then every model up the ladder, within a budget; then a recommendation.

For each model the rungs run in order on the dev split. Before a rung runs, its cost is
estimated from the exact prompts it will send (cached calls are free); a rung whose
worst case would pass the budget is skipped with its estimate shown. A model that cannot
be called (no key, unreachable) gets estimates instead of runs. A model stops climbing
after two successive rungs without a significant gain over its best so far. The
recommendation is the cheapest pipeline not significantly worse than the best; it is
confirmed once on the test split and written out as a pipeline spec.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..errors import TaskladderError
from ..models.config import ModelConfig, resolve_model
from ..pipeline import PipelineSpec
from ..runner import EvalResult, evaluate
from ..runner.budget import Budget
from ..store import Store
from ..task import Task
from .estimate import estimate_rung
from .rungs import LadderOptions, build_rungs, consensus_of, specs_zero_shot
from .significance import is_significant_gain, not_significantly_worse

log = logging.getLogger(__name__)

GAIN_PATIENCE = 2  # successive rungs without a significant gain before a model stops


class RungResult(BaseModel):
    model: str
    rung: str
    pipeline: dict[str, Any]
    status: str  # ran | skipped-budget | no-access | stopped-no-gain | unavailable
    reason: str | None = None
    run_id: str | None = None
    score: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    cost_per_1k_calls: float | None = None
    projected_monthly_usd: float | None = None
    estimated_cost_usd: float | None = None
    max_cost_usd: float | None = None
    cost_usd_spent: float = 0.0
    latency_p50_ms: float | None = None
    pareto: bool = False


class ClimbResult(BaseModel):
    task: str
    split: str
    budget_usd: float | None
    spent_usd: float = 0.0
    rungs: list[RungResult] = Field(default_factory=list)
    recommendation: dict[str, Any] | None = None
    test: dict[str, Any] | None = None
    pipeline_path: str | None = None
    run_ids: list[str] = Field(default_factory=list)


def climb(task: Task, model_names: list[str], models: dict[str, ModelConfig], *, budget_usd: float | None = None,
          split: str = "dev", limit: int | None = None, options: LadderOptions | None = None,
          store: Store | None = None, baselines: list[str] | None = None, out_dir: Path | None = None,
          progress: bool = True, confirm_on_test: bool = True) -> ClimbResult:
    options = options or LadderOptions()
    store = store or Store()
    budget = Budget(budget_usd) if budget_usd is not None else None
    result = ClimbResult(task=task.name, split=split, budget_usd=budget_usd)
    runs: dict[int, EvalResult] = {}  # index in result.rungs -> its run

    for name in baselines if baselines is not None else _default_baselines():
        spec = PipelineSpec(model=name, rung="baseline")
        try:
            ev = evaluate(task, spec, split=split, limit=limit, store=store, progress=progress)
        except TaskladderError as exc:
            result.rungs.append(RungResult(model=name, rung="baseline", pipeline=spec.model_dump(exclude_none=True),
                                           status="unavailable", reason=str(exc)))
            continue
        runs[len(result.rungs)] = ev
        result.rungs.append(_ran(name, spec, ev, 0.0, 0.0))

    examples = task.split(split)[: limit if limit else None]
    for name in model_names:
        cfg = resolve_model(name, models)
        access_error = _access_error(cfg)
        best: EvalResult | None = None
        misses = 0
        specs = build_rungs(task, name, options)
        while specs:
            spec = specs.pop(0)
            if spec.rung == "consensus":
                spec = consensus_of(best.run.pipeline if best else specs_zero_shot(task, name, options), options)
            est = estimate_rung(task, spec, cfg, store, examples)
            base = dict(model=name, rung=spec.rung, pipeline=spec.model_dump(exclude_none=True),
                        estimated_cost_usd=est.typical_usd, max_cost_usd=est.max_usd)
            if access_error:
                result.rungs.append(RungResult(**base, status="no-access", reason=access_error))
                continue
            if misses >= GAIN_PATIENCE:
                result.rungs.append(RungResult(**base, status="stopped-no-gain",
                                               reason=f"{GAIN_PATIENCE} successive rungs without a significant gain"))
                continue
            if budget is not None and (est.max_usd or 0.0) > budget.remaining_usd:
                result.rungs.append(RungResult(**base, status="skipped-budget", reason=(
                    f"up to ${est.max_usd:.4f} needed, ${max(budget.remaining_usd, 0):.4f} of the budget left")))
                continue
            ev = evaluate(task, spec, split=split, limit=limit, models=models, store=store, progress=progress,
                          budget=budget)
            runs[len(result.rungs)] = ev
            result.rungs.append(_ran(name, spec, ev, est.typical_usd, est.max_usd))
            if best is None or is_significant_gain(best, ev):
                best, misses = ev, 0
            else:
                misses += 1
                if (ev.summary["score"] or 0) > (best.summary["score"] or 0):
                    best = ev  # better, but not significantly: the bar moves, the count does not reset

    cascade_test = None
    if options.cascade:
        cascade_test = _cascade(task, result, runs, models, store, budget, split, limit, confirm_on_test)

    result.spent_usd = sum(r.cost_usd_spent for r in result.rungs)
    result.run_ids = [ev.run.run_id for ev in runs.values()]
    _mark_pareto(result)
    winner = _recommend(result, runs)
    if winner is not None:
        rung = result.rungs[winner]
        result.recommendation = rung.model_dump(exclude={"pareto"})
        if rung.rung == "cascade":
            result.pipeline_path = _save_cascade(rung.pipeline, out_dir)
            result.test = cascade_test
        else:
            spec = PipelineSpec.model_validate(rung.pipeline)
            if out_dir is not None:
                out_dir.mkdir(parents=True, exist_ok=True)
                result.pipeline_path = str(spec.save(out_dir / "pipeline.yaml"))
            if confirm_on_test and task.test:
                result.test = _confirm(task, spec, models, store, budget, limit)
    if budget is not None:
        result.spent_usd = budget.spent_usd + sum(r.cost_usd_spent for r in result.rungs if r.rung == "baseline")
    return result


def _default_baselines() -> list[str]:
    from ..baselines import BASELINE_NAMES

    return list(BASELINE_NAMES)


def _access_error(cfg: ModelConfig) -> str | None:
    from ..runner.preflight import check_access

    try:
        check_access(cfg)
    except TaskladderError as exc:
        return str(exc)
    return None


def _ran(name: str, spec: PipelineSpec, ev: EvalResult, typical: float | None, worst: float | None) -> RungResult:
    s = ev.summary
    return RungResult(
        model=name, rung=spec.rung or "baseline", pipeline=spec.model_dump(exclude_none=True), status="ran",
        run_id=ev.run.run_id, score=s["score"], ci_low=s["ci_low"], ci_high=s["ci_high"],
        cost_per_1k_calls=s["cost_per_1k_calls"], projected_monthly_usd=s["projected_monthly_usd"],
        estimated_cost_usd=typical, max_cost_usd=worst, cost_usd_spent=s["cost_usd_spent"] or 0.0,
        latency_p50_ms=s["latency_p50_ms"],
    )


def _mark_pareto(result: ClimbResult) -> None:
    from ..report import pareto_frontier

    ran = [r for r in result.rungs if r.status == "ran"]
    for i in pareto_frontier([(r.score, r.cost_per_1k_calls) for r in ran]):
        ran[i].pareto = True


def _recommend(result: ClimbResult, runs: dict[int, EvalResult]) -> int | None:
    """The cheapest run not significantly worse than the best (ties: the higher score)."""
    ran = [i for i in runs if result.rungs[i].score is not None]
    if not ran:
        return None
    best = max(ran, key=lambda i: result.rungs[i].score)
    fine = [i for i in ran if i == best or not_significantly_worse(runs[best], runs[i])]

    def cost(i: int) -> float:
        c = result.rungs[i].cost_per_1k_calls
        return float("inf") if c is None else c

    return min(fine, key=lambda i: (cost(i), -result.rungs[i].score))


def _confirm(task: Task, spec: PipelineSpec, models, store, budget, limit) -> dict[str, Any]:
    try:
        ev = evaluate(task, spec, split="test", limit=limit, models=models, store=store, progress=False, budget=budget)
    except TaskladderError as exc:
        return {"status": "not-run", "reason": str(exc)}
    s = ev.summary
    return {"status": "ran", "run_id": ev.run.run_id, "split": "test", **{k: s[k] for k in (
        "n", "score", "ci_low", "ci_high", "cost_per_1k_calls", "projected_monthly_usd", "cost_usd_spent",
        "errors", "parse_failures")}}


# Baselines that give a class probability, which is what decides when a cascade escalates.
CASCADE_FRONTS = ("baseline/embed-lr", "baseline/tfidf-lr", "baseline/knn-embed")


def _cascade(task: Task, result: ClimbResult, runs: dict[int, EvalResult], models, store, budget, split, limit,
             confirm_on_test: bool) -> dict[str, Any] | None:
    """The best cheap baseline in front of the best LLM pipeline, kept when it pays."""
    from ..cascade import cascade_rung

    fronts = [i for i in runs if result.rungs[i].model in CASCADE_FRONTS]
    llms = [i for i in runs if result.rungs[i].rung not in ("baseline", "cascade")]
    if not fronts or not llms:
        return None
    cheap_rung = result.rungs[max(fronts, key=lambda i: result.rungs[i].score or 0)]
    cheap = cheap_rung.model
    strong_rung = result.rungs[max(llms, key=lambda i: result.rungs[i].score or 0)]
    strong = PipelineSpec.model_validate(strong_rung.pipeline)
    name = f"{cheap} → {strong_rung.model} · {strong_rung.rung}"
    if (strong_rung.score or 0) <= (cheap_rung.score or 0):
        result.rungs.append(RungResult(model=name, rung="cascade", pipeline={}, status="stopped-no-gain",
                                       estimated_cost_usd=0.0, reason=(
            f"the best LLM pipeline ({strong_rung.score:.3f}) does not beat {cheap} ({cheap_rung.score:.3f}) "
            "on its own; there is nothing better to escalate to")))
        return None
    try:
        cr = cascade_rung(task, cheap, strong, models, store, split, limit=limit, budget=budget,
                          confirm_split="test" if confirm_on_test and task.test else None)
    except TaskladderError as exc:
        result.rungs.append(RungResult(model=name, rung="cascade", pipeline={}, status="unavailable", reason=str(exc)))
        return None
    pipeline = {"cascade": {"cheap": cheap, "strong": strong.model_dump(exclude_none=True), "signal": cr.signal,
                            "threshold": cr.threshold}}
    if not cr.pays:
        saving = "n/a" if cr.saving_vs_strong is None else f"{cr.saving_vs_strong:.0%}"
        result.rungs.append(RungResult(model=name, rung="cascade", pipeline=pipeline, status="stopped-no-gain",
                                       estimated_cost_usd=cr.cost_usd_spent, reason=f"does not pay: saving {saving}, score {cr.score:.3f} vs "
                                              f"{cr.strong_alone.get('score', 0):.3f} for the strong tier alone",
                                       cost_usd_spent=cr.cost_usd_spent))
        return None
    runs[len(result.rungs)] = EvalResult(run=store.get_run(cr.run_id), records=store.get_records(cr.run_id))
    result.rungs.append(RungResult(
        model=name, rung="cascade", pipeline=pipeline, status="ran", run_id=cr.run_id, score=cr.score,
        ci_low=cr.ci_low, ci_high=cr.ci_high, cost_per_1k_calls=cr.cost_per_1k_calls,
        projected_monthly_usd=cr.projected_monthly_usd, estimated_cost_usd=cr.cost_usd_spent,
        cost_usd_spent=cr.cost_usd_spent, latency_p50_ms=cr.latency_p50_ms,
        reason=f"escalates {cr.share_escalated:.0%} of calls below confidence {cr.threshold:.3f}",
    ))
    if cr.test is None:
        return None
    return {"status": "ran", **cr.test}


def _save_cascade(pipeline: dict[str, Any], out_dir: Path | None) -> str | None:
    """A cascade leaves as its strong tier's pipeline spec plus cascade.yaml saying how to front it."""
    if out_dir is None:
        return None
    import yaml

    out_dir.mkdir(parents=True, exist_ok=True)
    spec = PipelineSpec.model_validate(pipeline["cascade"]["strong"])
    spec.save(out_dir / "pipeline.yaml")
    cascade = {**pipeline["cascade"], "strong": "pipeline.yaml",
               "rerun": "taskladder cascade TASK.yaml --cheap {cheap} --strong pipeline.yaml".format(**pipeline["cascade"])}
    path = out_dir / "cascade.yaml"
    path.write_text(yaml.safe_dump(cascade, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return str(path)
