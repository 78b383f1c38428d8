"""`climb`: walk the ladder's rungs in order, every model up the per-model ones, within a budget.

The rungs themselves (what each runs, when it applies, how it builds on the ones before)
live in ``ladder/rungs``; this module only orchestrates. Rungs that run once per climb
(the baselines, the cascade) run where they stand in the list; each run of consecutive
per-model rungs is climbed by every model in turn. Before a model's rung runs, its cost
is estimated from the exact prompts it will send (cached calls are free); a rung whose
worst case would pass the budget is skipped with its estimate shown. A model that
cannot be called (no key, unreachable) gets estimates instead of runs. A model stops
climbing after two successive rungs without a significant gain over its best so far,
except at a rung the task is built for (``stops_for_no_gain`` false: rag on a task with
documents), which prompt rungs failing to gain say nothing about. Every row that did not
run says why (``skip_reason``).
A rung whose run failed (more errored examples than ``options.max_error_rate``) or whose
answers could not be parsed as often is dropped with its ``skip_reason``; after a failed
run the model climbs no further.
The recommendation is the cheapest pipeline not significantly worse than the best; the
rung that produced it saves it and confirms it once on the test split.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import TaskladderError
from ..models.config import ModelConfig, resolve_model
from ..money import usd
from ..pipeline import PipelineSpec
from ..runner.budget import Budget
from ..runner.preflight import check_access
from ..store import Store
from ..task import Task
from . import artifacts
from .options import LadderOptions
from .recommend import mark_pareto, recommend
from .results import ClimbResult, RungResult, dropped_reason, row_from_run
from .rungs import GAIN_PATIENCE, ClimbRung, ClimbState, ModelRung, ModelState, Rung, ladder_rungs

__all__ = ["climb", "ClimbResult", "RungResult", "GAIN_PATIENCE"]


def climb(task: Task, model_names: list[str], models: dict[str, ModelConfig], *, budget_usd: float | None = None,
          split: str = "dev", limit: int | None = None, options: LadderOptions | None = None,
          store: Store | None = None, baselines: list[str] | None = None, out_dir: Path | None = None,
          progress: bool = True, confirm_on_test: bool = True, rungs: Sequence[Rung] | None = None) -> ClimbResult:
    """Climb ``rungs`` (default: ``ladder_rungs()``) with every model; recommend, confirm, save."""
    ladder = list(ladder_rungs() if rungs is None else rungs)
    state = ClimbState(task=task, options=options or LadderOptions(), store=store or Store.default(),
                       result=ClimbResult(task=task.name, split=split, budget_usd=budget_usd), models=models,
                       model_names=list(model_names), baselines=baselines,
                       budget=Budget(budget_usd) if budget_usd is not None else None, split=split, limit=limit,
                       progress=progress, confirm_on_test=confirm_on_test)
    for stage in _stages(ladder):
        if isinstance(stage, ClimbRung):
            if stage.applies(state):
                stage.run(state)
        else:
            for name in state.model_names:
                _climb_model(state, name, stage)
    _finish(state, ladder, out_dir)
    return state.result


def _stages(ladder: list[Rung]) -> list[ClimbRung | list[ModelRung]]:
    """The ladder cut where a climb-wide rung stands: consecutive per-model rungs go together."""
    stages: list[ClimbRung | list[ModelRung]] = []
    for rung in ladder:
        if isinstance(rung, ClimbRung):
            stages.append(rung)
        elif not isinstance(rung, ModelRung):
            raise TypeError(f"rung {rung!r} is neither a ModelRung nor a ClimbRung")
        elif stages and isinstance(stages[-1], list):
            stages[-1].append(rung)
        else:
            stages.append([rung])
    return stages


def _climb_model(state: ClimbState, name: str, rungs: list[ModelRung]) -> None:
    """One model up the given rungs: priced, then run unless access, patience or budget say no."""
    cfg = resolve_model(name, state.models)
    access_error = _access_error(cfg)
    model = ModelState(name)
    failed: str | None = None  # an earlier rung's run failed: the model cannot be called usefully
    for rung in rungs:
        if not (state.wants(name, rung.name) and rung.applies(state)):
            continue
        spec = rung.spec(state, model)
        est = rung.estimate(state, cfg, spec)
        base: dict[str, Any] = dict(model=name, rung=spec.rung, pipeline=spec.model_dump(exclude_none=True),
                                    estimated_cost_usd=est.typical_usd, max_cost_usd=est.max_usd)
        if access_error:
            per_1k, monthly = est.projected(state.task.spec.volume.calls_per_day)
            state.add(RungResult(**base, status="no-access", skip_reason="model not callable", reason=access_error, cost_per_1k_calls=per_1k,
                                 projected_monthly_usd=monthly))
            continue
        if failed:
            state.add(RungResult(**base, status="failed", reason=failed, skip_reason=failed))
            continue
        if model.out_of_patience and rung.stops_for_no_gain:
            why = f"{GAIN_PATIENCE} successive rungs without a significant gain"
            state.add(RungResult(**base, status="stopped-no-gain", skip_reason=why, reason=why))
            continue
        budget = state.budget
        if budget is not None and (est.max_usd or 0.0) > budget.remaining_usd:
            state.add(RungResult(**base, status="skipped-budget", skip_reason="over budget", reason=(
                f"up to {usd(est.max_usd)} needed, {usd(max(budget.remaining_usd, 0))} of the budget left")))
            continue
        ev = rung.run(state, spec)
        row = row_from_run(name, spec, ev, est.typical_usd, est.max_usd)
        dropped = dropped_reason(ev, state.options.max_error_rate)
        if dropped:
            state.add(row.model_copy(update={"status": "failed", "reason": dropped, "skip_reason": dropped}), ev)
            if ev.run.status == "failed":
                failed = f"not run: the {spec.rung} rung failed ({ev.summary.first_error})"
            continue
        state.add(row, ev)
        rung.feed(model, ev)


def _finish(state: ClimbState, ladder: list[Rung], out_dir: Path | None) -> None:
    """Totals, the Pareto flags, then the recommendation: saved and confirmed by its own rung."""
    result = state.result
    result.run_ids = [ev.run.run_id for ev in state.runs.values()]
    mark_pareto(result)
    winner = recommend(result, state.runs)
    by_name = {r.name: r for r in ladder}
    if winner is not None:
        row = result.rungs[winner]
        result.recommendation = row.model_dump(exclude={"pareto"})
        owner = by_name.get(row.rung)
        if owner is not None:
            result.pipeline_path = owner.save(row, out_dir)
            result.test = owner.confirm(state, row)
        else:  # a row no rung of this ladder claims: the plain pipeline-spec way out
            result.pipeline_path = artifacts.save_spec(row.pipeline, out_dir)
            result.test = artifacts.confirm_on_test(state, PipelineSpec.model_validate(row.pipeline))
    # Every spend shown is the sum of the rows (each its run's calls) and the test confirmation,
    # so "Spent this climb" and climb.json reconcile with the calls table to the cent.
    confirmed = (result.test or {}).get("cost_usd_spent") or 0.0
    result.spent_usd = sum(r.cost_usd_spent for r in result.rungs) + confirmed


def _access_error(cfg: ModelConfig) -> str | None:
    try:
        check_access(cfg)
    except TaskladderError as exc:
        return str(exc)
    return None
