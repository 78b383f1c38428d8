"""The cost–quality curve of a two-tier cascade over thresholds, and the threshold choice.

Given, for each dev example, the cheap tier's confidence, both tiers' per-example scores and
costs, every threshold t escalates exactly the examples with confidence < t (and those with
no confidence). Sorting by confidence makes the whole curve one cumulative sum: score and
cost at every distinct threshold in O(n log n), with no further calls.

Cost only grows with the threshold (escalating more never costs less), so "the cheapest
threshold that reaches the target" is the lowest one that does.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, model_validator


class CascadeObservations(BaseModel):
    """Both tiers on the same examples: what threshold choice works from."""

    ids: list[str]
    confidence: list[float | None]
    cheap_score: list[float]
    strong_score: list[float]
    cheap_cost: list[float | None]  # per example; None: unknown price
    strong_cost: list[float | None]

    @model_validator(mode="after")
    def _same_length(self) -> "CascadeObservations":
        n = len(self.ids)
        for name in ("confidence", "cheap_score", "strong_score", "cheap_cost", "strong_cost"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} values for {n} examples")
        return self

    @property
    def n(self) -> int:
        return len(self.ids)


class CurvePoint(BaseModel):
    threshold: float  # escalate when confidence < threshold
    score: float
    cost_per_1k_calls: float | None  # None: a tier's price is unknown
    share_escalated: float
    escalated: int


def cost_quality_curve(obs: CascadeObservations) -> list[CurvePoint]:
    """One point per distinct threshold, from "escalate none" to "escalate all"."""
    n = obs.n
    if n == 0:
        return []
    conf = np.array([-math.inf if c is None else float(c) for c in obs.confidence])
    order = np.argsort(conf, kind="stable")
    conf_sorted = conf[order]
    cheap = np.asarray(obs.cheap_score, dtype=float)[order]
    strong = np.asarray(obs.strong_score, dtype=float)[order]
    unknown_cheap = any(c is None for c in obs.cheap_cost)
    cheap_total = None if unknown_cheap else float(sum(c for c in obs.cheap_cost if c is not None))  # the cheap tier always answers
    strong_cost = np.array([np.nan if c is None else float(c) for c in obs.strong_cost])[order]
    # k = how many (lowest-confidence) examples are escalated; k runs 0..n.
    gain = np.concatenate([[0.0], np.cumsum(strong - cheap)])
    spend = np.concatenate([[0.0], np.cumsum(strong_cost)])  # NaN from the first unknown price on
    base = cheap.sum()
    finite = conf_sorted[np.isfinite(conf_sorted)]
    thresholds = np.unique(finite)
    points: list[CurvePoint] = []
    ks = np.searchsorted(conf_sorted, thresholds, side="left")  # escalated: conf < t
    none_conf = int(np.sum(~np.isfinite(conf_sorted)))
    cand = [(float(t), int(k)) for t, k in zip(thresholds, ks)]
    top = float(np.nextafter(thresholds[-1], math.inf)) if len(thresholds) else 0.0
    cand.append((top, n))  # escalate every example
    if not len(thresholds):
        cand.insert(0, (0.0, none_conf))
    seen: set[int] = set()
    for t, k in cand:
        if k in seen:
            continue
        seen.add(k)
        spent = spend[k]
        cost = None if cheap_total is None or math.isnan(spent) else (cheap_total + float(spent)) / n * 1000
        points.append(CurvePoint(threshold=t, score=float((base + gain[k]) / n), cost_per_1k_calls=cost,
                                 share_escalated=k / n, escalated=k))
    return points


def pick_point(curve: list[CurvePoint], target_quality: float | None = None) -> tuple[CurvePoint, bool]:
    """The cheapest point reaching ``target_quality`` (default: escalating everything's score).

    Returns the point and whether the target was reached; when no point reaches it, the
    best-scoring point (cheapest among equals) is returned with ``False``.
    """
    if not curve:
        raise ValueError("an empty curve has no threshold to choose")
    target = curve[-1].score if target_quality is None else float(target_quality)
    reaching = [p for p in curve if p.score >= target - 1e-12]
    if reaching:
        return min(reaching, key=lambda p: (p.escalated, -p.score)), True
    best = max(p.score for p in curve)
    return min((p for p in curve if p.score >= best - 1e-12), key=lambda p: p.escalated), False


def choose_threshold(obs: CascadeObservations, target_quality: float | None = None) -> float:
    """The cheapest threshold on ``obs`` (dev) whose cascade score reaches ``target_quality``.

    ``None`` targets the strong tier's own score (escalating everything): the cheapest way to
    match the strong tier. If nothing reaches the target, the threshold with the best score.
    """
    return pick_point(cost_quality_curve(obs), target_quality)[0].threshold


def thin_curve(curve: list[CurvePoint], keep: int = 21, always: CurvePoint | None = None) -> list[CurvePoint]:
    """About ``keep`` points evenly spread over the share escalated (both ends and ``always`` kept)."""
    if len(curve) <= keep:
        return list(curve)
    chosen: dict[int, CurvePoint] = {curve[0].escalated: curve[0], curve[-1].escalated: curve[-1]}
    for mark in np.linspace(0.0, 1.0, keep):
        p = next(p for p in curve if p.share_escalated >= mark - 1e-12)
        chosen[p.escalated] = p
    if always is not None:
        chosen[always.escalated] = always
    return [chosen[k] for k in sorted(chosen)]
