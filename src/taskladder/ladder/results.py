"""What a climb reports: one row per (model, rung) and the climb as a whole (climb.json).

The climb reads a run's (typed) summary only through ``summary_values`` and ``score_of``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ..pipeline import PipelineSpec
from ..runner import EvalResult


class RungResult(BaseModel):
    model: str
    rung: str
    pipeline: dict[str, Any]
    status: str  # ran | failed | skipped-budget | no-access | stopped-no-gain | unavailable
    reason: str | None = None  # the detail behind the status (a skip's numbers, a cascade's share)
    skip_reason: str | None = None  # why this rung did not run, in a few words; None when it ran and is a candidate
    run_id: str | None = None
    score: float | None = None
    n: int | None = None  # examples the run scored (fewer than the split's for a model with climb.limit)
    ci_low: float | None = None
    ci_high: float | None = None
    cost_per_1k_calls: float | None = None
    projected_monthly_usd: float | None = None
    estimated_cost_usd: float | None = None
    max_cost_usd: float | None = None
    cost_usd_spent: float = 0.0
    latency_p50_ms: float | None = None
    retrieval_recall_at_k: float | None = None  # RAG rungs on rows that name their gold sources
    # finetune rows: the one-off training (measured seconds, and $ at the machine-hour price),
    # already amortised into cost_per_1k_calls and projected_monthly_usd
    training_s: float | None = None
    training_cost_usd: float | None = None
    # What the narrow gain cost (embed-tuned, mix and the original embed-lr rows, when the climb
    # has a general set): the encoder's score on it (STS Spearman x100), beside the task score.
    general_score: float | None = None
    # mix rows: the sweep behind the choice (alphas with task dev/test and general scores, the rule)
    mix: dict[str, Any] | None = None
    pareto: bool = False

    @model_validator(mode="after")
    def _say_why_not_run(self) -> "RungResult":
        """Every row that did not run says why, even where its rung set only a status."""
        if self.status != "ran" and not self.skip_reason:
            self.skip_reason = SKIP_REASONS.get(self.status, self.status)
        return self


# The short reason a row with this status did not run, where its rung gave none.
SKIP_REASONS = {
    "no-access": "model not callable",
    "stopped-no-gain": "no significant gain",
    "skipped-budget": "over budget",
    "unavailable": "could not run here",
}


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
    prompt_search: list[dict[str, Any]] = Field(default_factory=list)  # the optimize rung's summaries


ROW_FIELDS = ("score", "n", "ci_low", "ci_high", "cost_per_1k_calls", "projected_monthly_usd", "cost_usd_spent",
              "latency_p50_ms", "retrieval_recall_at_k")


def summary_values(ev: EvalResult, keys: Iterable[str]) -> dict[str, Any]:
    """The named figures of a run's summary (the only place the ladder reads ``ev.summary``)."""
    return ev.summary.model_dump(include=set(keys))


def score_of(ev: EvalResult) -> float:
    return ev.summary.score or 0.0


def dropped_reason(ev: EvalResult, max_error_rate: float) -> str | None:
    """Why a rung's run cannot be recommended: too many errors (the run failed) or unparseable answers."""
    s = ev.summary
    if ev.run.status == "failed":
        return f"run failed: {s.failure or 'too many errors'}"
    n = s.n or 0
    if n and (s.parse_failures or 0) / n > max_error_rate:
        return (f"{s.parse_failures} of {n} answers could not be parsed ({(s.parse_failures or 0) / n:.0%}, "
                f"more than the {max_error_rate:.0%} allowed)")
    return None


def row_from_run(model: str, spec: PipelineSpec, ev: EvalResult, typical: float | None,
                 worst: float | None) -> RungResult:
    s = summary_values(ev, ROW_FIELDS)
    return RungResult(
        model=model, rung=spec.rung or "baseline", pipeline=spec.model_dump(exclude_none=True), status="ran",
        run_id=ev.run.run_id, **{**s, "cost_usd_spent": s["cost_usd_spent"] or 0.0},
        estimated_cost_usd=typical, max_cost_usd=worst,
    )
