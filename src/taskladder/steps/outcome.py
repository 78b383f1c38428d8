"""What one step produced for one example; kept in ``Record.trace["steps"]``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..models.base import Prediction


class StepOutcome(BaseModel):
    output: dict[str, Any] | None = None
    raw_text: str = ""
    error: str | None = None  # a failed call, a function that raised, or an upstream step that failed
    parse_error: str | None = None
    cost_usd: float | None = 0.0  # None: unknown price
    spent_usd: float = 0.0
    latency_ms: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0
    cached_calls: int = 0
    confidence: float | None = None
    trace: dict[str, Any] = {}  # the LLM call's trace: demo ids, votes, reasoning, context ids

    @property
    def ok(self) -> bool:
        return self.output is not None and self.error is None

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        return "failed" if self.output is None else "ok"

    @classmethod
    def from_prediction(cls, p: Prediction) -> "StepOutcome":
        return cls(output=p.output, raw_text=p.raw_text, error=p.error, parse_error=p.parse_error,
                   cost_usd=p.cost_usd, spent_usd=p.spent_usd, latency_ms=p.latency_ms,
                   input_tokens=p.usage.input_tokens, output_tokens=p.usage.output_tokens, calls=p.calls,
                   cached_calls=p.cached_calls, confidence=p.confidence, trace=dict(p.trace))
