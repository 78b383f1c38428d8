"""Output: a generation stuck in a loop ("I'm sorry. I'm sorry. I'm sorry. ...").

Redaction keeps the first copy of the repeated unit and cuts everything after it: what
follows a loop is more loop or the tail of a derailed generation.
"""

from __future__ import annotations

from ..config import RepetitionLoopConfig
from ..decision import Edit, Finding
from ..periodic import PeriodicScanner
from ..text import TextView
from .base import Check


class RepetitionLoopCheck(Check[RepetitionLoopConfig]):
    name = "repetition_loop"

    def __init__(self, config: RepetitionLoopConfig) -> None:
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
            preview = unit if len(unit) <= 60 else unit[:57] + "..."
            out.append(self.finding(span=(run.start, run.end), score=float(int(run.repeats)),
                                    message=f"loop: {preview!r} repeated {int(run.repeats)} times"))
        return out

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        runs = self.scanner.scan(view.text)
        if not runs:
            return []
        first = runs[0]
        return [Edit(start=first.start + first.period, end=len(view.text))]
