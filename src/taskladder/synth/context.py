"""What every recipe step sees (``StepContext``) and what it reports (``StepReport``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..errors import ConfigError
from .report import FilterReport
from .rows import FLIP_VIEW, TASK_VIEW, SynthRow

if TYPE_CHECKING:
    from ..task import Task, TaskSpec
    from .calls import SynthCalls


class StepReport(BaseModel):
    """One step's effect: rows in and out, why rows went, and the model calls it made."""

    name: str
    step: str
    rows_in: int
    rows_out: int
    added: int = 0
    removed: int = 0
    # reason -> rows: removed rows for filters; for transforms, sources that produced nothing.
    reasons: dict[str, int] = Field(default_factory=dict)
    model: str | None = None
    calls: int = 0  # new provider calls (0 on a replay from the cache)
    cached_calls: int = 0
    errors: int = 0
    filter: FilterReport | None = None
    note: str = ""

    def summary(self) -> str:
        why = ", ".join(f"{k}: {v}" for k, v in sorted(self.reasons.items()))
        change = f"+{self.added}" if self.added else ""
        if self.removed:
            change += f"{' ' if change else ''}-{self.removed}"
        calls = f"; calls {self.calls} new / {self.cached_calls} cached" if self.model else ""
        return (f"{self.name}: {self.rows_in} -> {self.rows_out} rows ({change or 'no change'})"
                f"{' [' + why + ']' if why else ''}{calls}{'; ' + self.note if self.note else ''}")


@dataclass
class StepContext:
    task: Task
    calls: SynthCalls
    seed: int = 0
    data_time: float = 0.0  # mtime of the task's data: the lineage time of code-made rows
    base_dir: Path = field(default_factory=Path.cwd)  # files named in the recipe resolve from here
    views: dict[str, TaskSpec] = field(default_factory=dict)
    _labels: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.views.setdefault(TASK_VIEW, self.task.spec)

    def define_view(self, view: str, spec: TaskSpec) -> None:
        self.views[view] = spec
        self._labels.pop(view, None)

    def spec(self, view: str) -> TaskSpec:
        if view not in self.views:
            raise ConfigError(f"rows of view '{view}' need a step that defines it (e.g. `flip` before them)")
        return self.views[view]

    def labels(self, view: str) -> dict[str, list[str]]:
        """Label sets of a view's label fields (the task's, inferred from its data if unlisted)."""
        if view in self._labels:
            return self._labels[view]
        spec = self.spec(view)
        out: dict[str, list[str]] = {}
        for name, f in spec.outputs.items():
            if f.type != "label":
                continue
            if f.labels:
                out[name] = list(f.labels)
            elif view == TASK_VIEW:
                out[name] = self.task.labels(name)
        self._labels[view] = out
        return out

    def eval_sets(self) -> dict[str, list[Any]]:
        return {"dev": list(self.task.dev), "test": list(self.task.test)}


def select_rows(rows: list[SynthRow], of: list[str] | None) -> list[int]:
    """Indices of the task rows a step works on: those whose content was last made by a
    transform in ``of`` ("source" = the task's own rows; see ``SynthRow.made_by``), or every
    task row when ``of`` is not given."""
    return [i for i, r in enumerate(rows) if r.is_task_row and (of is None or r.made_by in of)]


__all__ = ["FLIP_VIEW", "TASK_VIEW", "StepContext", "StepReport", "select_rows"]
