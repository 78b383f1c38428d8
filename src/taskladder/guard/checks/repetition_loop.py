"""Output: a generation stuck in a loop ("I'm sorry. I'm sorry. I'm sorry. ...").

Redaction keeps the first copy of the repeated unit and cuts everything after it: what
follows a loop is more loop or the tail of a derailed generation.
"""

from __future__ import annotations

from ..config import RepetitionLoopConfig
from ..decision import Edit, Finding
from ..text import TextView
from .repeated_unit import PeriodicRunCheck


class RepetitionLoopCheck(PeriodicRunCheck[RepetitionLoopConfig]):
    name = "repetition_loop"

    def describe(self, unit: str, repeats: int) -> str:
        preview = unit if len(unit) <= 60 else unit[:57] + "..."
        return f"loop: {preview!r} repeated {repeats} times"

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        runs = self.scanner.scan(view.text)
        if not runs:
            return []
        first = runs[0]
        return [Edit(start=first.start + first.period, end=len(view.text))]
