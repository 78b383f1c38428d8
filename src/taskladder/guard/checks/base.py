"""What every check looks like to the guard.

A check *detects* (``find``) and, only when its action is ``redact``, says how to rewrite
the text (``edits``). Keeping the two apart means detection never pays for redaction and a
check that cannot redact simply does not implement ``edits``.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from ..config import CheckConfig
from ..decision import Edit, Finding
from ..text import TextView

C = TypeVar("C", bound=CheckConfig)


class Check(Generic[C]):
    name: str = "check"

    def __init__(self, config: C) -> None:
        self.config = config

    def find(self, view: TextView) -> list[Finding]:
        raise NotImplementedError

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        return []

    def finding(self, *, span: tuple[int, int] | None, score: float | None, message: str, **extra) -> Finding:
        """A finding stamped with this check's name, action and threshold."""
        return Finding(
            check=self.name,
            action=self.config.action,
            span=span,
            score=score,
            threshold=self.config.threshold,
            message=message,
            **extra,
        )
