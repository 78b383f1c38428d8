"""What a guard says about one call: a decision, the findings behind it, and what it cost.

A decision is the most severe action among the findings (``allow < warn < redact < block``),
so a check configured with ``action: allow`` runs in shadow mode: it records findings without
changing anything. ``to_record()`` gives the dict stored with the call record.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Action = Literal["allow", "warn", "redact", "block"]
Stage = Literal["input", "output"]

SEVERITY: dict[str, int] = {"allow": 0, "warn": 1, "redact": 2, "block": 3}


def most_severe(actions: list[str]) -> Action:
    """The strictest of ``actions``; ``allow`` when there are none."""
    best: Action = "allow"
    for action in actions:
        if SEVERITY[action] > SEVERITY[best]:
            best = action  # type: ignore[assignment]
    return best


class Finding(BaseModel):
    """One check that fired: where (a character span of the checked text), how much, against what."""

    check: str
    action: Action
    span: tuple[int, int] | None = None
    score: float | None = None  # None for a qualitative match (e.g. "repeat forever")
    threshold: float | None = None
    message: str
    source: str | None = None  # regurgitation: id of the protected document matched
    message_index: int | None = None  # conversation checks: which message the span is in


class Edit(BaseModel):
    """A replacement of ``text[start:end]`` that a redacting check asks for."""

    start: int
    end: int
    replacement: str = ""


class GuardDecision(BaseModel):
    """The verdict on one input or output, with the (possibly redacted or truncated) text."""

    stage: Stage
    decision: Action
    findings: list[Finding] = Field(default_factory=list)
    text: str
    latency_us: dict[str, float] = Field(default_factory=dict)  # per check, microseconds
    total_us: float = 0.0
    messages: list[dict[str, Any]] | None = None  # set by Guard.check_messages

    @property
    def blocked(self) -> bool:
        return self.decision == "block"

    @property
    def redacted(self) -> bool:
        """True when a check set to ``redact`` fired, so ``text`` may differ from the input."""
        return any(f.action == "redact" for f in self.findings)

    def to_record(self) -> dict[str, Any]:
        """What to keep with the call record: everything but the (possibly large) text."""
        return self.model_dump(exclude={"text", "messages"}, mode="json")

    def summary(self) -> str:
        """One line for logs and errors: ``block: many_shot (40 >= 16), ...``."""
        if not self.findings:
            return self.decision
        parts = []
        for f in self.findings:
            if f.score is not None and f.threshold is not None:
                parts.append(f"{f.check} ({f.score:g} vs {f.threshold:g})")
            else:
                parts.append(f.check)
        return f"{self.decision}: " + ", ".join(parts)
