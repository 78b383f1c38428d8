"""The search's trajectory: after every step, what had been charged and the best score so far."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Point:
    step: int
    kind: str  # "evaluate" | "propose" | "feedback" | "confirm"
    charged_usd: float  # list price of the calls so far, cached ones included (what the budget counts)
    calls: int  # calls so far, cached ones included
    candidate: str | None = None
    examples: int = 0
    score: float | None = None  # this step's mean score
    best_score: float | None = None  # best mean on the full search split so far

    def as_dict(self) -> dict:
        return asdict(self)
