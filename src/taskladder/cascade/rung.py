"""The cascade rung of the climb: a cheap predictor in front of an LLM pipeline.

On the dev split both tiers answer every example (the strong tier's calls come from the
cache when the climb already ran it); the threshold is the cheapest one whose cascade
reaches the target quality; the cascade's dev run is then composed from those answers,
paying the strong tier only for escalated examples, and stored like any run. An optional
confirmation on another split runs the real cascade, calling the strong tier only for
the examples it escalates.

The curve scores each example on its own (the mean of per-example scores); for a metric
that is not a mean (macro-F1) the stored run's summary re-aggregates it properly.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ..errors import ConfigError
from ..metrics import bootstrap_mean_ci, get_metric, paired_bootstrap_scores
from ..models.base import total_cost
from ..models.config import ModelConfig
from ..pipeline import PipelineSpec
from ..store import Store
from ..task import Task
from .cascade import Cascade
from .curve import CurvePoint, cost_quality_curve, pick_point, thin_curve
from .evaluate import evaluate_cascade, store_cascade_run
from .signals import ProbabilitySignal, Signal, VoteMarginSignal
from .tiers import BaselineTier, PipelineTier

DEFAULT_SAMPLES = 5  # samples behind the vote margin when the cheap tier is an LLM
ALPHA = 0.05


class CascadeResult(BaseModel):
    task: str
    split: str
    n: int
    metric: str
    cheap: str
    strong: str
    signal: str
    target: float  # the quality the threshold had to reach (default: the strong tier's own score)
    target_reached: bool
    threshold: float  # escalate when the cheap tier's confidence is below it
    score: float | None
    ci_low: float | None
    ci_high: float | None
    cost_per_1k_calls: float | None
    projected_monthly_usd: float | None
    share_escalated: float
    tier_share: dict[str, float]
    latency_p50_ms: float | None = None
    cost_usd_spent: float = 0.0  # paid by this rung: the strong tier on every dev example, when not cached
    curve: list[CurvePoint] = Field(default_factory=list)  # thinned to ~21 points; the chosen one included
    cheap_alone: dict[str, Any] = Field(default_factory=dict)
    strong_alone: dict[str, Any] = Field(default_factory=dict)
    saving_vs_strong: float | None = None  # 1 - cascade cost / strong cost
    vs_strong: dict[str, Any] = Field(default_factory=dict)  # paired bootstrap: cascade - strong
    pays: bool = False  # cheaper than the strong tier alone and not significantly worse
    run_id: str | None = None
    test: dict[str, Any] | None = None


def build_cascade(cheap: str, strong: PipelineSpec | str, *, models: dict[str, ModelConfig] | None = None,
                  store: Store | None = None, samples: int = DEFAULT_SAMPLES, signal: Signal | None = None,
                  budget: Any = None) -> Cascade:
    """``baseline/...`` in front (class probability), or an LLM sampled ``samples`` times (vote margin)."""
    if cheap.startswith("baseline/"):
        first: Any = BaselineTier(cheap)
        default_signal: Signal = ProbabilitySignal()
    else:
        first = PipelineTier(cheap, models=models, store=store, samples=samples, budget=budget)
        default_signal = VoteMarginSignal()
    second = PipelineTier(strong, models=models, store=store, budget=budget)
    return Cascade([first, second], signal=signal or default_signal)


def cascade_rung(task: Task, cheap: str, strong: PipelineSpec | str, models: dict[str, ModelConfig] | None = None,
                 store: Store | None = None, split: str = "dev", target: float | None = None, *,
                 limit: int | None = None, samples: int = DEFAULT_SAMPLES, signal: Signal | None = None,
                 metric: str | None = None, budget: Any = None, confirm_split: str | None = None) -> CascadeResult:
    if target is not None and not 0.0 <= target <= 1.0:
        raise ConfigError(f"cascade target {target} is not a score in [0, 1]; e.g. 0.9 for 90%")
    store = store or Store.default()
    examples = task.split(split)[: limit if limit else None]
    if not examples:
        raise ConfigError(f"task '{task.name}': the {split} split is empty; add data or change the split")
    scorer = get_metric(metric or task.spec.default_metric(), task.spec)
    cascade = build_cascade(cheap, strong, models=models, store=store, samples=samples, signal=signal,
                            budget=budget)
    observed = cascade.observe(task, examples, scorer)
    obs = observed.observations
    curve = cost_quality_curve(obs)
    point, reached = pick_point(curve, target)
    predictions = cascade.compose(observed, [point.threshold])
    spent = sum(p.spent_usd for tier in observed.predictions for p in tier)
    run = store_cascade_run(task, cascade, split, limit, scorer, examples, predictions, [point.threshold], store)
    s = run.summary

    per_day = task.spec.volume.calls_per_day
    cheap_alone = _alone(obs.cheap_score, obs.cheap_cost, per_day)
    strong_alone = _alone(obs.strong_score, obs.strong_cost, per_day)
    cmp = paired_bootstrap_scores(obs.strong_score, [r.score or 0.0 for r in run.records])
    strong_cost = strong_alone["cost_per_1k_calls"]
    cascade_cost = s["cost_per_1k_calls"]
    saving = 1 - cascade_cost / strong_cost if strong_cost and cascade_cost is not None else None
    worse = cmp.diff < 0 and cmp.p_value < ALPHA
    result = CascadeResult(
        task=task.name, split=split, n=len(examples), metric=scorer.name, cheap=cascade.tiers[0].name,
        strong=cascade.tiers[1].name, signal=cascade.signal.name,
        target=strong_alone["score"] if target is None else float(target), target_reached=reached,
        threshold=point.threshold, score=s["score"], ci_low=s["ci_low"], ci_high=s["ci_high"],
        cost_per_1k_calls=s["cost_per_1k_calls"], projected_monthly_usd=s["projected_monthly_usd"],
        share_escalated=s["share_escalated"], tier_share=s["tier_share"], latency_p50_ms=s["latency_p50_ms"],
        cost_usd_spent=spent, curve=thin_curve(curve, always=point), cheap_alone=cheap_alone,
        strong_alone=strong_alone, saving_vs_strong=saving,
        vs_strong={"diff": cmp.diff, "ci_low": cmp.ci_low, "ci_high": cmp.ci_high, "p_value": cmp.p_value},
        pays=bool(saving is not None and saving > 0 and not worse), run_id=run.run.run_id,
    )
    if confirm_split:
        confirm = evaluate_cascade(task, cascade, split=confirm_split, thresholds=[point.threshold], limit=limit,
                                   store=store, metric=metric)
        c = confirm.summary
        result.test = {"split": confirm_split, "run_id": confirm.run.run_id, **{k: c.get(k) for k in (
            "n", "score", "ci_low", "ci_high", "cost_per_1k_calls", "projected_monthly_usd", "cost_usd_spent",
            "share_escalated", "tier_share", "calls", "cached_calls")}}
    return result


def _alone(scores: list[float], costs: list[float | None], calls_per_day: float) -> dict[str, Any]:
    """One tier answering everything: its score with an interval, and its cost."""

    low, high = bootstrap_mean_ci(scores)
    total = total_cost(costs)
    per_call = None if total is None or not costs else total / len(costs)
    return {"score": sum(scores) / len(scores), "ci_low": low, "ci_high": high,
            "cost_per_1k_calls": None if per_call is None else per_call * 1000,
            "projected_monthly_usd": None if per_call is None else per_call * calls_per_day * 30}
