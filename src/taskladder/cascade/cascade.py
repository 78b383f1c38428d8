"""A cascade: the cheapest tier answers first; an example moves up a tier only while the
signal says the answer so far is not to be trusted (confidence below that tier's threshold).

Only escalated examples reach the next tier, so the next tier's cost is paid only for them.
``observe`` runs every tier on every example instead: that is what choosing a threshold on
dev needs (the quality each tier would have had), and ``compose`` then replays any threshold
from those answers without a single further call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..models.base import Prediction, Usage, total_cost
from .curve import CascadeObservations
from .signals import ProbabilitySignal, Signal
from .tiers import as_tier

if TYPE_CHECKING:
    from ..metrics import Metric
    from ..task import Example, Task


@dataclass
class Observed:
    """Every tier's answer and the first tier's confidence, for each example."""

    examples: list["Example"]
    predictions: list[list[Prediction]]  # [tier][example]
    confidence: list[float | None]
    observations: CascadeObservations


class Cascade:
    def __init__(self, tiers: Sequence[Any], signal: Signal | None = None,
                 thresholds: Sequence[float] | float | None = None):
        """``tiers``: cheapest first; each a ``Tier``, a baseline ``BatchPredictor``, a
        ``baseline/...`` name, or an LLM model name / ``PipelineSpec`` (default models and store)."""
        if len(tiers) < 2:
            raise ConfigError("a cascade needs at least two tiers: a cheap one and a stronger one")
        self.tiers = [as_tier(t) for t in tiers]
        self.signal = signal or ProbabilitySignal()
        if isinstance(thresholds, (int, float)):
            thresholds = [float(thresholds)]
        if thresholds is not None and len(thresholds) != len(self.tiers) - 1:
            raise ConfigError(f"a cascade of {len(self.tiers)} tiers needs {len(self.tiers) - 1} thresholds, "
                              f"got {len(thresholds)}")
        self.thresholds = list(thresholds) if thresholds is not None else None

    @property
    def name(self) -> str:
        return " → ".join(t.name for t in self.tiers)

    def describe(self) -> dict[str, Any]:
        return {"kind": "cascade", "tiers": [t.describe() for t in self.tiers], "signal": self.signal.name,
                "thresholds": self.thresholds}

    def fit(self, task: "Task") -> None:
        asyncio.run(self.afit(task))

    async def afit(self, task: "Task") -> None:
        for tier in self.tiers:
            await tier.aprepare(task)

    # ---- every tier on every example: for choosing thresholds ----------------------------
    def observe(self, task: "Task", examples: Sequence["Example"], metric: "Metric") -> Observed:
        async def fit_then_observe() -> Observed:
            await self.afit(task)
            return await self.aobserve(list(examples), metric)

        return asyncio.run(fit_then_observe())

    async def aobserve(self, examples: list["Example"], metric: "Metric") -> Observed:
        if len(self.tiers) != 2:
            raise ConfigError("threshold choice works on two-tier cascades; give a cheap and a strong tier")
        cheap, strong = await asyncio.gather(*(t.apredict(examples) for t in self.tiers))
        obs = observe_predictions(examples, cheap, strong, metric, self.signal)
        return Observed(examples=examples, predictions=[cheap, strong], confidence=list(obs.confidence),
                        observations=obs)

    # ---- the cascade proper: escalate only what the signal distrusts ---------------------
    def answer(self, task: "Task", examples: list["Example"], thresholds: Sequence[float] | None = None
               ) -> list[Prediction]:
        async def fit_then_answer() -> list[Prediction]:
            await self.afit(task)
            return await self.aanswer(examples, thresholds)

        return asyncio.run(fit_then_answer())

    async def aanswer(self, examples: list["Example"], thresholds: Sequence[float] | None = None
                      ) -> list[Prediction]:
        limits = self.limits(thresholds)
        answered: list[list[Prediction | None]] = [[None] * len(examples) for _ in self.tiers]
        confidence: list[list[float | None]] = [[None] * len(examples) for _ in self.tiers]
        todo = list(range(len(examples)))
        for level, tier in enumerate(self.tiers):
            if not todo:
                break
            preds = await tier.apredict([examples[i] for i in todo])
            escalate = []
            for i, p in zip(todo, preds):
                answered[level][i] = p
                if level < len(self.tiers) - 1:
                    c = confidence[level][i] = self.signal.confidence(examples[i], p)
                    if c is None or c < limits[level]:
                        escalate.append(i)
            todo = escalate
        return [self._final([answered[t][i] for t in range(len(self.tiers))],
                            [confidence[t][i] for t in range(len(self.tiers))])
                for i in range(len(examples))]

    def compose(self, observed: Observed, thresholds: Sequence[float] | None = None) -> list[Prediction]:
        """The cascade's answers at ``thresholds`` from observed answers (no calls): an example
        pays for a tier only if the cascade would have reached it."""
        limits = self.limits(thresholds)
        out = []
        for i, example in enumerate(observed.examples):
            used: list[Prediction | None] = []
            confs: list[float | None] = []
            for level in range(len(self.tiers)):
                p = observed.predictions[level][i]
                used.append(p)
                if level == len(self.tiers) - 1:
                    break
                c = observed.confidence[i] if level == 0 else self.signal.confidence(example, p)
                confs.append(c)
                if c is not None and c >= limits[level]:
                    break
            out.append(self._final(used + [None] * (len(self.tiers) - len(used)), confs))
        return out

    def limits(self, thresholds: Sequence[float] | None = None) -> list[float]:
        """The thresholds to apply: those given, else the cascade's own, one per tier after the first."""
        limits = list(thresholds) if thresholds is not None else self.thresholds
        if limits is None:
            raise ConfigError("the cascade has no thresholds yet; choose them on dev (choose_threshold) first")
        if len(limits) != len(self.tiers) - 1:
            raise ConfigError(f"{len(self.tiers)} tiers need {len(self.tiers) - 1} thresholds, got {len(limits)}")
        return [float(t) for t in limits]

    def _final(self, answered: list[Prediction | None], confidence: list[float | None]) -> Prediction:
        """One prediction from the tiers that ran: the last one's answer, every one's cost."""
        ran = [(t, p) for t, p in zip(self.tiers, answered) if p is not None]
        tier, last = ran[-1]
        costs = [p.cost_usd for _, p in ran]
        usage = Usage()
        for _, p in ran:
            usage = usage + p.usage
        trace = {"cascade": {
            "tier": tier.name, "tier_index": len(ran) - 1, "escalated": len(ran) > 1,
            "confidence": (list(confidence) + [None] * len(ran))[: len(ran)],  # per tier that ran
            "tiers": [{"name": t.name, "output": p.output, "cost_usd": p.cost_usd, "latency_ms": p.latency_ms,
                       "error": p.error} for t, p in ran],
        }}
        return Prediction(
            output=last.output, raw_text=last.raw_text, parse_error=last.parse_error, error=last.error,
            usage=usage, cost_usd=total_cost(costs),
            spent_usd=float(sum(p.spent_usd for _, p in ran)),
            latency_ms=float(sum(p.latency_ms for _, p in ran)),  # tiers run one after another
            cached=all(p.cached for _, p in ran), calls=sum(p.calls for _, p in ran),
            cached_calls=sum(p.cached_calls for _, p in ran),
            confidence=confidence[0] if confidence else None, trace=trace,
        )


def observe_predictions(examples: list["Example"], cheap: list[Prediction], strong: list[Prediction],
                        metric: "Metric", signal: Signal | None = None) -> CascadeObservations:
    """Dev predictions of both tiers (made any way) as what ``choose_threshold`` works from."""
    signal = signal or ProbabilitySignal()
    if not (len(examples) == len(cheap) == len(strong)):
        raise ValueError(f"{len(examples)} examples, {len(cheap)} cheap and {len(strong)} strong predictions")
    return CascadeObservations(
        ids=[e.id for e in examples], confidence=[signal.confidence(e, p) for e, p in zip(examples, cheap)],
        cheap_score=[_score(metric, p, e) for p, e in zip(cheap, examples)],
        strong_score=[_score(metric, p, e) for p, e in zip(strong, examples)],
        cheap_cost=[p.cost_usd for p in cheap], strong_cost=[p.cost_usd for p in strong],
    )


def _score(metric: "Metric", prediction: Prediction, example: "Example") -> float:
    return float(metric.score(prediction.output, example.outputs)) if prediction.output is not None else 0.0
