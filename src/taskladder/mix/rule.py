"""The rule that picks a mix from a sweep: the best task score whose general score stays
within ``delta`` of the original model's (chosen on dev, then reported on test)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SweepPoint:
    alpha: float
    task_dev: float
    general: float
    task_test: float | None = None
    # causal LMs (mix.causal_eval): general is -nll; agreement is shown beside it, not ruled on
    nll: float | None = None
    agreement: float | None = None


def choose_alpha(points: list[SweepPoint], delta: float, original_general: float) -> SweepPoint:
    """Max ``task_dev`` subject to ``general >= original_general - delta``; ties go to the smaller alpha
    (the mix closer to the original). The original (alpha 0) always qualifies when it was swept."""
    eligible = [p for p in points if p.general >= original_general - delta - 1e-12]
    if not eligible:
        raise ValueError(f"no swept alpha keeps the general score within {delta} of {original_general:.4f}; "
                         "add alpha 0 to the grid or raise --delta")
    return max(eligible, key=lambda p: (p.task_dev, -p.alpha))
