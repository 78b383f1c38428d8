"""Output: verbatim reproduction of a protected document (n-gram hashing)."""

from __future__ import annotations

from ..config import RegurgitationConfig
from ..corpus import ProtectedCorpus
from ..decision import Edit, Finding
from ..text import TextView
from .base import Check


class RegurgitationCheck(Check[RegurgitationConfig]):
    name = "regurgitation"

    def __init__(self, config: RegurgitationConfig, corpus: ProtectedCorpus) -> None:
        super().__init__(config)
        self.corpus = corpus

    def find(self, view: TextView) -> list[Finding]:
        return [
            self.finding(span=(m.start, m.end), score=float(m.words), source=m.source,
                         message=f"{m.words} words copied verbatim from protected document {m.source!r}")
            for m in self.corpus.matches(view.text)
            if m.words >= self.config.threshold
        ]

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        return [Edit(start=f.span[0], end=f.span[1], replacement=self.config.replacement)
                for f in findings if f.span]
