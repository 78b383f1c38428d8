"""Per-step evaluation: each step against the gold values the data has for its outputs, its
cost and latency, and where the final output's errors come from.

A step is *wrong* on an example when it failed, or when any of its outputs that has a gold
value does not match it (labels exactly, numbers within tolerance, text by normalised
equality). Each wrong final answer is blamed on the first wrong step along the chain that
feeds the final output, so "the extractor misread the amount" and "the decision was wrong
on correct fields" are told apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..metrics import bootstrap_mean_ci, get_metric
from ..models.base import total_cost
from ..store import Record
from ..task import DataSpec, Example, Task, TaskSpec
from .gold import gold_output
from .graph import StepGraph

FIELD_METRIC = {"label": "accuracy", "number": "numeric", "text": "token_f1", "json": "exact_match"}


def field_metrics(graph: StepGraph, name: str) -> dict[str, Any]:
    """One built-in metric per output field of a step, chosen by the field's type."""

    step = graph.step(name)
    spec = TaskSpec(name=name, inputs=["_"], outputs=step.outputs, data=DataSpec(file="(steps)"))
    return {f: get_metric(FIELD_METRIC[k.type], spec, field=f) for f, k in step.outputs.items()}


def step_report(task: Task, graph: StepGraph, examples: Sequence[Example], records: Sequence[Record]) -> dict[str, Any]:
    by_id = {e.id: e for e in examples}
    rows = [(by_id[r.example_id], r) for r in records if r.example_id in by_id]
    wrong: dict[str, list[bool]] = {}
    steps: dict[str, Any] = {}
    calls_per_day = task.spec.volume.calls_per_day
    for name in graph.order:
        step = graph.step(name)
        metrics = field_metrics(graph, name)
        outcomes = [r.trace.get("steps", {}).get(name, {}) for _, r in rows]
        ran = [o for o in outcomes if not str(o.get("error") or "").startswith("skipped")]
        field_scores: dict[str, list[float]] = {f: [] for f in step.outputs}
        example_scores: list[float] = []
        flags: list[bool] = []
        for (example, _), o in zip(rows, outcomes):
            gold = gold_output(example, name, step.outputs)
            output = o.get("output") if not o.get("error") else None
            scores = {f: metrics[f].score(output, {f: g}) for f, g in gold.items()}
            for f, s in scores.items():
                field_scores[f].append(s)
            if scores:
                example_scores.append(float(np.mean(list(scores.values()))))
            flags.append(output is None or any(s < 1.0 - 1e-9 for s in scores.values()))
        wrong[name] = flags
        costs = [o.get("cost_usd", 0.0) for o in ran]
        cost = total_cost(costs)
        latencies = np.array([o.get("latency_ms", 0.0) for o in ran] or [0.0], dtype=float)
        entry: dict[str, Any] = {
            "kind": step.kind,
            "model": {"llm": step.model, "python": step.function, "predictor": step.predictor}.get(step.kind),
            "n": len(rows), "ran": len(ran),
            "errors": sum(1 for o in ran if o.get("error")),
            "parse_failures": sum(1 for o in ran if not o.get("error") and o.get("output") is None),
            "skipped": len(rows) - len(ran),
            "gold_n": len(example_scores), "score": None, "ci_low": None, "ci_high": None, "exact": None,
            "fields": {f: {"metric": metrics[f].name, "n": len(v), "score": float(np.mean(v)) if v else None}
                       for f, v in field_scores.items()},
            "cost_usd": cost,
            "cost_per_1k_calls": None if cost is None or not rows else cost / len(rows) * 1000,
            "projected_monthly_usd": None if cost is None or not rows else cost / len(rows) * calls_per_day * 30,
            "latency_p50_ms": float(np.percentile(latencies, 50)),
            "latency_p95_ms": float(np.percentile(latencies, 95)),
            "calls": sum(int(o.get("calls", 0)) for o in ran),
            "cached_calls": sum(int(o.get("cached_calls", 0)) for o in ran),
        }
        if example_scores:
            values = np.array(example_scores)
            low, high = bootstrap_mean_ci(values)
            with_gold = [w for (e, _), w in zip(rows, flags) if gold_output(e, name, step.outputs)]
            entry.update(score=float(values.mean()), ci_low=float(low), ci_high=float(high),
                         exact=1.0 - float(np.mean(with_gold)))
        steps[name] = entry
    return {"steps": steps, "attribution": attribute_errors(graph, rows, wrong)}


def attribute_errors(graph: StepGraph, rows: list[tuple[Example, Record]], wrong: dict[str, list[bool]]
                     ) -> dict[str, Any]:
    """Blame each wrong final answer on the first wrong step of the chain that feeds the output."""
    producers = graph.producers()
    chain = set(producers).union(*(graph.ancestors(p) for p in producers))
    ordered = [n for n in graph.order if n in chain]
    blamed = {n: 0 for n in ordered}
    unattributed = 0
    errors = 0
    for i, (_, record) in enumerate(rows):
        if (record.score if record.score is not None else 0.0) >= 1.0 - 1e-9:
            continue
        errors += 1
        culprit = next((n for n in ordered if wrong[n][i]), None)
        if culprit is None:
            unattributed += 1
        else:
            blamed[culprit] += 1
    upstream = sum(c for n, c in blamed.items() if n not in producers)
    propagation = {}
    for n in ordered:
        if n in producers:
            continue
        hits = [i for i, w in enumerate(wrong[n]) if w]
        finals_wrong = sum(1 for i in hits if (rows[i][1].score or 0.0) < 1.0 - 1e-9)
        propagation[n] = {"wrong": len(hits), "final_wrong_when_wrong": finals_wrong / len(hits) if hits else None}
    return {
        "final_errors": errors,
        "by_step": blamed,
        "unattributed": unattributed,
        "upstream_share": upstream / errors if errors else None,
        "propagation": propagation,
    }
