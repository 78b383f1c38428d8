"""Input: a short unit repeated many times in a row — the "poem poem poem ..." divergence prompt."""

from __future__ import annotations

from typing import TypeVar

from ..config import RepeatedUnitConfig, RepetitionLoopConfig
from ..decision import Edit, Finding
from ..periodic import PeriodicScanner
from ..text import TextView
from .base import Check

# The configs that carry the scanner's knobs (max_unit_chars, min_run_chars).
PeriodicConfig = TypeVar("PeriodicConfig", bound=RepeatedUnitConfig | RepetitionLoopConfig)


class PeriodicRunCheck(Check[PeriodicConfig]):
    """Base of the checks that look for a unit repeated back to back (input and output)."""

    def __init__(self, config: PeriodicConfig) -> None:
        super().__init__(config)
        self.scanner = PeriodicScanner(
            max_unit=config.max_unit_chars,
            min_repeats=config.threshold,
            min_run_chars=config.min_run_chars,
        )

    def describe(self, unit: str, repeats: int) -> str:
        raise NotImplementedError

    def find(self, view: TextView) -> list[Finding]:
        return [
            self.finding(span=(run.start, run.end), score=float(int(run.repeats)),
                         message=self.describe(run.unit(view.text), int(run.repeats)))
            for run in self.scanner.scan(view.text)
        ]


class RepeatedUnitCheck(PeriodicRunCheck[RepeatedUnitConfig]):
    name = "repeated_unit"

    def describe(self, unit: str, repeats: int) -> str:
        return f"{unit!r} repeated {repeats} times in a row"

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        # Keep one copy of the unit; the repetition itself is what attacks the model.
        return [Edit(start=r.start + r.period, end=r.end) for r in self.scanner.scan(view.text)]
