"""Input: a length cap in characters; redact truncates instead of refusing."""

from __future__ import annotations

from ..config import LengthConfig
from ..decision import Edit, Finding
from ..text import TextView
from .base import Check


class LengthCheck(Check[LengthConfig]):
    name = "length"

    def find(self, view: TextView) -> list[Finding]:
        n, cap = len(view.text), int(self.config.threshold)
        if n <= cap:
            return []
        return [self.finding(span=(cap, n), score=float(n),
                             message=f"{n} characters, more than the cap of {cap}")]

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        return [Edit(start=int(self.config.threshold), end=len(view.text))]
