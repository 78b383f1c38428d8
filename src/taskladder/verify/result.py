"""What every verifier returns, and the verifier call shape that ``select`` composes."""

from __future__ import annotations

from typing import Any, Callable

from pydantic import BaseModel, Field


class VerifyResult(BaseModel):
    passed: bool
    score: float | None = None  # a graded signal when the verifier has one (chrF, similarity)
    detail: str = ""  # why it failed, in one line
    info: dict[str, Any] = Field(default_factory=dict)


# A verifier takes one candidate output and says whether it passes (and how well).
Verifier = Callable[[str], VerifyResult]
