"""cascade: the best probability-giving baseline in front of the best LLM pipeline, kept when it pays.

Runs once, after every model has climbed: its inputs are the baseline rows and the LLM
rows already in the climb. It needs a baseline that gives a class probability (that is
what decides when to escalate) and an LLM pipeline that beats it on its own. A
recommended cascade leaves as its strong tier's pipeline spec plus cascade.yaml, and its
test confirmation is the one ``cascade_rung`` ran.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ...cascade import cascade_rung
from ...errors import TaskladderError
from ...pipeline import PipelineSpec
from ...runner import EvalResult
from ..results import RungResult
from .base import ClimbRung, ClimbState, LadderContext
from .baselines import Baselines

# Baselines that give a class probability, which is what decides when a cascade escalates.
CASCADE_FRONTS = ("baseline/embed-lr", "baseline/tfidf-lr", "baseline/knn-embed")


class Cascade(ClimbRung):
    name = "cascade"

    def applies(self, ctx: LadderContext) -> bool:
        return ctx.options.cascade

    def run(self, state: ClimbState) -> None:
        state.notes[self.name] = self._run(state)

    def _run(self, state: ClimbState) -> dict[str, Any] | None:
        rows, runs = state.result.rungs, state.runs
        fronts = [i for i in runs if rows[i].model in CASCADE_FRONTS]
        # An LLM pipeline as the strong tier: not a baseline, nor a tuned or mixed encoder (embed-tuned, mix)
        llms = [i for i in runs if rows[i].rung not in (Baselines.name, self.name) and rows[i].status == "ran"
                and not str(rows[i].pipeline.get("model", "")).startswith("baseline/")]
        if not fronts or not llms:
            return None
        cheap_row = rows[max(fronts, key=lambda i: rows[i].score or 0)]
        cheap = cheap_row.model
        strong_row = rows[max(llms, key=lambda i: rows[i].score or 0)]
        strong = PipelineSpec.model_validate(strong_row.pipeline)
        name = f"{cheap} → {strong_row.model} · {strong_row.rung}"
        if (strong_row.score or 0) <= (cheap_row.score or 0):
            state.add(RungResult(model=name, rung=self.name, pipeline={}, status="stopped-no-gain",
                                 estimated_cost_usd=0.0, reason=(
                f"the best LLM pipeline ({strong_row.score:.3f}) does not beat {cheap} ({cheap_row.score:.3f}) "
                "on its own; there is nothing better to escalate to")))
            return None
        try:
            # on the strong tier's examples: a model climbed on a subsample is cascaded on it too
            cr = cascade_rung(state.task, cheap, strong, state.models, state.store, state.split,
                              limit=state.limit_for(strong.model),
                              budget=state.budget,
                              confirm_split="test" if state.confirm_on_test and state.task.test else None)
        except TaskladderError as exc:
            state.add(RungResult(model=name, rung=self.name, pipeline={}, status="unavailable", reason=str(exc)))
            return None
        pipeline = {"cascade": {"cheap": cheap, "strong": strong.model_dump(exclude_none=True), "signal": cr.signal,
                                "threshold": cr.threshold}}
        if not cr.pays:
            saving = "n/a" if cr.saving_vs_strong is None else f"{cr.saving_vs_strong:.0%}"
            state.add(RungResult(model=name, rung=self.name, pipeline=pipeline, status="stopped-no-gain",
                                 estimated_cost_usd=cr.cost_usd_spent, reason=(
                f"does not pay: saving {saving}, score {cr.score:.3f} vs "
                f"{cr.strong_alone.get('score', 0):.3f} for the strong tier alone"), cost_usd_spent=cr.cost_usd_spent))
            return None
        run = state.store.get_run(cr.run_id) if cr.run_id else None
        assert run is not None, "cascade_rung stores its run"
        ev = EvalResult(run=run, records=state.store.get_records(run.run_id))
        state.add(RungResult(
            model=name, rung=self.name, pipeline=pipeline, status="ran", run_id=cr.run_id, score=cr.score,
            ci_low=cr.ci_low, ci_high=cr.ci_high, cost_per_1k_calls=cr.cost_per_1k_calls,
            projected_monthly_usd=cr.projected_monthly_usd, estimated_cost_usd=cr.cost_usd_spent,
            cost_usd_spent=cr.cost_usd_spent, latency_p50_ms=cr.latency_p50_ms,
            reason=f"escalates {cr.share_escalated:.0%} of calls below confidence {cr.threshold:.3f}",
        ), ev)
        if cr.test is None:
            return None
        return {"status": "ran", **cr.test}

    def save(self, row: RungResult, out_dir: Path | None) -> str | None:
        """The strong tier's pipeline spec plus cascade.yaml saying how to front it."""
        if out_dir is None:
            return None

        out_dir.mkdir(parents=True, exist_ok=True)
        how = row.pipeline["cascade"]
        PipelineSpec.model_validate(how["strong"]).save(out_dir / "pipeline.yaml")
        cascade = {**how, "strong": "pipeline.yaml",
                   "rerun": "taskladder cascade TASK.yaml --cheap {cheap} --strong pipeline.yaml".format(**how)}
        path = out_dir / "cascade.yaml"
        path.write_text(yaml.safe_dump(cascade, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return str(path)

    def confirm(self, state: ClimbState, row: RungResult) -> dict[str, Any] | None:
        return state.notes.get(self.name)
