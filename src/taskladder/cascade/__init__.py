"""Cascades: a cheap predictor answers first and hands an example to a stronger one only when
a confidence signal says so; the threshold is chosen on dev to reach a target quality at
least cost.

``Cascade(tiers, signal)`` with ``BaselineTier`` / ``PipelineTier`` / ``FunctionTier`` and
``ProbabilitySignal`` / ``VoteMarginSignal`` / ``VerifierSignal``; ``cost_quality_curve`` and
``choose_threshold`` on dev ``CascadeObservations``; ``evaluate_cascade`` for a stored run
with honest cost (later tiers paid only for escalated examples); ``cascade_rung`` for the climb.
"""

from .cascade import Cascade, Observed, observe_predictions
from .curve import CascadeObservations, CurvePoint, choose_threshold, cost_quality_curve, pick_point, thin_curve
from .evaluate import CascadeRun, evaluate_cascade, store_cascade_run
from .rung import CascadeResult, build_cascade, cascade_rung
from .signals import LogprobSignal, ProbabilitySignal, Signal, VerifierSignal, VoteMarginSignal, make_signal
from .tiers import BaselineTier, FunctionTier, PipelineTier, Tier, as_tier, make_tier

__all__ = [
    "Cascade", "Observed", "observe_predictions", "CascadeObservations", "CurvePoint", "cost_quality_curve", "choose_threshold",
    "pick_point", "thin_curve", "CascadeRun", "evaluate_cascade", "store_cascade_run", "CascadeResult",
    "build_cascade", "cascade_rung", "Signal", "ProbabilitySignal", "VoteMarginSignal", "VerifierSignal",
    "LogprobSignal", "make_signal", "Tier", "BaselineTier", "PipelineTier", "FunctionTier", "as_tier", "make_tier",
]
