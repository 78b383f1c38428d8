"""A run's summary, derived from its records alone."""

from __future__ import annotations

import math

import numpy as np

from ..metrics import Metric, bootstrap_ci, bootstrap_mean_ci
from ..models.base import total_cost
from ..store.records import Record, RunSummary


def summarise(records: list[Record], metric: Metric | None, calls_per_day: float, *, seed: int = 0) -> RunSummary:
    """Score with a 95% interval, cost, latency and usage of ``records``; ``metric=None``
    (records without scores, e.g. judgments) leaves the score empty."""
    n = len(records)
    if n and metric is not None and metric.decomposable and all(r.score is not None for r in records):
        # Mean-type metrics: the per-example scores on the records are all we need.
        scores = np.array([r.score for r in records], dtype=float)
        score = float(scores.mean())
        ci_low, ci_high = bootstrap_mean_ci(scores, seed=seed)
    elif n and metric is not None:
        predicted = [r.prediction for r in records]
        expected = [r.expected for r in records]
        score = float(metric.aggregate(predicted, expected))
        ci_low, ci_high = bootstrap_ci(metric, predicted, expected, seed=seed)
    else:
        score = ci_low = ci_high = float("nan")
    cost = total_cost(r.cost_usd for r in records)
    per_call = None if cost is None or n == 0 else cost / n
    latencies = np.array([r.latency_ms for r in records], dtype=float) if n else np.array([0.0])
    spent = sum(r.spent_usd for r in records)
    return RunSummary(
        n=n,
        metric=metric.name if metric is not None else "",
        score=_num(score),
        ci_low=_num(ci_low),
        ci_high=_num(ci_high),
        parse_failures=sum(r.parse_status == "failed" for r in records),
        errors=sum(r.parse_status == "error" for r in records),
        cost_usd=cost,
        cost_usd_spent=spent,
        cost_per_1k_calls=None if per_call is None else per_call * 1000,
        latency_p50_ms=float(np.percentile(latencies, 50)),
        latency_p95_ms=float(np.percentile(latencies, 95)),
        calls=sum(r.calls for r in records),
        cached_calls=sum(r.cached_calls for r in records),
        input_tokens=sum(r.input_tokens for r in records),
        output_tokens=sum(r.output_tokens for r in records),
        calls_per_day=calls_per_day,
        # k-shot rungs: how many demos the prompts really carried (max-shots packs to fit).
        shots_used_mean=float(np.mean([len(r.trace.get("demo_ids", [])) for r in records])) if n else 0.0,
        # RAG rungs on rows that name their gold sources/passages: recall@k of the retrieval.
        retrieval_recall_at_k=_mean([r.trace["retrieval_recall"] for r in records if "retrieval_recall" in r.trace]),
        projected_monthly_usd=None if per_call is None else per_call * calls_per_day * 30,
    )


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
