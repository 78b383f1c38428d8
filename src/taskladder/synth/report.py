"""What a filter did: how many rows it removed and why."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Enough removed ids to eyeball what a filter does, without copying the whole dataset.
MAX_EXAMPLES = 20


class FilterReport(BaseModel):
    name: str
    total: int  # rows given to the filter
    kept: int
    removed: int
    reasons: dict[str, int] = Field(default_factory=dict)  # reason -> rows removed for it
    examples: list[str] = Field(default_factory=list)  # ids of (the first) removed rows
    # For the example ids: the id of the row they duplicate / overlap with, when there is one.
    matched: dict[str, str] = Field(default_factory=dict)
    rule: str = ""  # the rule applied, in words (thresholds, n-gram sizes ...)

    def summary(self) -> str:
        why = ", ".join(f"{k}: {v}" for k, v in sorted(self.reasons.items())) or "-"
        return f"{self.name}: removed {self.removed} of {self.total} ({why})"


class _Collector:
    """Builds a FilterReport while a filter walks the rows."""

    def __init__(self, name: str, total: int, rule: str = ""):
        self.report = FilterReport(name=name, total=total, kept=total, removed=0, rule=rule)

    def remove(self, row_id: str, reason: str, matched: str | None = None) -> None:
        r = self.report
        r.removed += 1
        r.kept -= 1
        r.reasons[reason] = r.reasons.get(reason, 0) + 1
        if len(r.examples) < MAX_EXAMPLES:
            r.examples.append(row_id)
            if matched is not None:
                r.matched[row_id] = matched
