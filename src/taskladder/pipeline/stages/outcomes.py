"""Outcomes: usage, cost, latency and errors of the calls made for one example, as a Prediction."""

from __future__ import annotations

import math
from typing import Any

from ...models.base import Prediction, Usage
from ...models.caller import CallOutcome


def prediction_from(outcomes: list[CallOutcome], trace: dict[str, Any]) -> Prediction:
    """One or more calls made for one example (run in parallel): summed usage and cost,
    the slowest latency, an error only when every call failed."""
    return _one(outcomes[0], trace) if len(outcomes) == 1 else _many(outcomes, trace)


def _many(outcomes: list[CallOutcome], trace: dict[str, Any]) -> Prediction:
    costs = [o.cost_usd for o in outcomes]
    errors = [o.error for o in outcomes if o.error]
    return Prediction(
        raw_text=outcomes[0].text,
        usage=Usage(
            input_tokens=sum(o.input_tokens for o in outcomes), output_tokens=sum(o.output_tokens for o in outcomes)
        ),
        cost_usd=None if any(c is None for c in costs) else sum(c for c in costs if c is not None),
        spent_usd=sum(o.cost_usd or 0.0 for o in outcomes if not o.cached),
        latency_ms=max(o.latency_ms for o in outcomes),
        cached=all(o.cached for o in outcomes),
        calls=sum(1 for o in outcomes if not o.cached and not o.error),
        cached_calls=sum(1 for o in outcomes if o.cached),
        error=errors[0] if len(errors) == len(outcomes) else None,
        trace=trace,
    )


def _one(o: CallOutcome, trace: dict[str, Any]) -> Prediction:
    """``prediction_from([o], trace)`` without its sums over one call (most examples make one;
    tests/test_pipeline_outcomes.py holds the two to the same result). ``0 +`` and ``0.0 if``
    are what ``sum`` gives for one value or none (-0.0 becomes 0.0 as it did)."""
    cost = o.cost_usd
    return Prediction(
        raw_text=o.text,
        usage=Usage(input_tokens=o.input_tokens, output_tokens=o.output_tokens),
        cost_usd=None if cost is None else 0 + cost,
        spent_usd=0.0 if o.cached else 0 + (cost or 0.0),
        latency_ms=o.latency_ms,
        cached=o.cached,
        calls=0 if o.cached or o.error else 1,
        cached_calls=1 if o.cached else 0,
        error=o.error or None,
        trace=trace,
    )


def keep_logprob(pred: Prediction, outcome: CallOutcome) -> None:
    """Geometric-mean token probability: the model's own confidence (params logprobs: true)."""
    if outcome.logprob is not None:
        pred.trace["logprob_mean"] = outcome.logprob
        pred.confidence = math.exp(outcome.logprob)
