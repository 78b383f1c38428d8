"""Input: a short unit repeated many times in a row — the "poem poem poem ..." divergence prompt."""

from __future__ import annotations

from ..config import RepeatedUnitConfig
from ..decision import Edit, Finding
from ..periodic import PeriodicScanner
from ..text import TextView
from .base import Check


class RepeatedUnitCheck(Check[RepeatedUnitConfig]):
    name = "repeated_unit"

    def __init__(self, config: RepeatedUnitConfig) -> None:
        super().__init__(config)
        self.scanner = PeriodicScanner(
            max_unit=config.max_unit_chars,
            min_repeats=config.threshold,
            min_run_chars=config.min_run_chars,
        )

    def find(self, view: TextView) -> list[Finding]:
        out = []
        for run in self.scanner.scan(view.text):
            unit = run.unit(view.text)
            out.append(
                self.finding(
                    span=(run.start, run.end),
                    score=float(int(run.repeats)),
                    message=f"{unit!r} repeated {int(run.repeats)} times in a row",
                )
            )
        return out

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        # Keep one copy of the unit; the repetition itself is what attacks the model.
        return [Edit(start=r.start + r.period, end=r.end) for r in self.scanner.scan(view.text)]
