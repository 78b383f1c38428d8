"""Duplicate rows in real data: what to keep and what to tell the user.

Public datasets repeat rows (TREC has 71 exact duplicates, SST-2 9). Refusing them one at a
time makes the data unusable; keeping them double-counts an example. So an identical row
without an id is kept once, with a count; the same input with different expected outputs is
kept (the data says both) but listed, because no model can score on both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_LISTED = 5


@dataclass
class DuplicateLog:
    file: str
    identical: int = 0
    _inputs: dict[str, tuple[int, Any]] = field(default_factory=dict)
    conflicts: list[tuple[int, int, str, Any, Any]] = field(default_factory=list)

    def see(self, row: int, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        key = repr(sorted(inputs.items()))
        first = self._inputs.setdefault(key, (row, outputs))
        if first[0] != row and first[1] != outputs:
            self.conflicts.append((first[0], row, _preview(inputs), first[1], outputs))

    def notes(self) -> list[str]:
        out = []
        if self.identical:
            out.append(f"{self.file}: {self.identical} identical duplicate row(s) without an id; kept one of each")
        if self.conflicts:
            shown = "; ".join(f"rows {a} and {b} ({text}): {oa} vs {ob}" for a, b, text, oa, ob in self.conflicts[:_LISTED])
            more = f"; and {len(self.conflicts) - _LISTED} more" if len(self.conflicts) > _LISTED else ""
            out.append(f"{self.file}: {len(self.conflicts)} input(s) appear with different expected outputs: {shown}{more}")
        return out


def _preview(inputs: dict[str, Any], width: int = 40) -> str:
    text = " | ".join(str(v) for v in inputs.values())
    return repr(text if len(text) <= width else text[: width - 1] + "…")
