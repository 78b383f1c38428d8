"""One row of a synthetic dataset, as the recipe steps pass it along and as ``dataset.jsonl``
stores it.

A row is either a task demonstration (``inputs``/``outputs`` of one of the recipe's views: the
task itself, or its inverse after a field flip) or a general chat conversation mixed in
(``messages``). Once the recipe has run, ``prompt`` and ``answer`` hold the rendered chat turns,
so an export needs the dataset file alone, not the task or the recipe.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field

from ..task import Example
from .lineage import Lineage

TASK_VIEW = "task"  # rows of the task as declared
FLIP_VIEW = "flip"  # rows of the task's inverse (inputs and outputs swapped)
GENERAL_VIEW = "general"  # general chat rows mixed in to limit forgetting
SOURCE = "source"  # the transform name shown for rows of the task's own data
# Transforms that make rows from a prompt or a file rather than from other rows.
ORIGINS = frozenset({"edge_cases", "recast", "mix"})
ANNOTATIONS = frozenset({"rationale"})  # transforms that add to a row without changing its content


class SynthRow(BaseModel):
    id: str
    view: str = TASK_VIEW
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    # Document chunks shown with the input (rows recast from documents): [{"id", "text"}].
    context: list[dict[str, str]] | None = None
    rationale: str | None = None
    # Wrong replies the model gave for this prompt (in the answer format): DPO "rejected".
    rejected: list[str] = Field(default_factory=list)
    messages: list[dict[str, Any]] | None = None  # general chat rows: the whole conversation
    judge_score: float | None = None
    lineage: Lineage | None = None  # None: a row of the task's own data, unchanged
    # Filled in when the dataset is written (see `render.render_rows`).
    prompt: list[dict[str, Any]] | None = None
    answer: str | None = None

    @property
    def transform(self) -> str:
        return self.lineage.transform if self.lineage else SOURCE

    @property
    def roots(self) -> list[str]:
        """Ids of the task rows this row ultimately comes from."""
        return list(self.lineage.source_ids) if self.lineage else [self.id]

    @property
    def chain(self) -> list[str]:
        """The transforms that made this row, oldest first, starting from its origin: "source"
        (the task's data), or a transform that makes rows from nothing but a prompt or a file
        (edge_cases, recast, mix). E.g. ``["source", "flip", "rationale"]``."""
        chain: list[str] = []
        lin: dict[str, Any] | None = self.lineage.model_dump(mode="json") if self.lineage else None
        while lin:
            chain.append(lin["transform"])
            parent = (lin.get("params") or {}).get("parent")
            lin = parent.get("lineage") if isinstance(parent, dict) else None
        chain.reverse()
        if not chain or chain[0] not in ORIGINS:
            chain.insert(0, SOURCE)
        return chain

    @property
    def origin(self) -> str:
        return self.chain[0]

    @property
    def made_by(self) -> str:
        """The last transform that changed the row's content (a rationale only annotates it):
        what a step's ``of: [...]`` selects on."""
        return next(t for t in reversed(self.chain) if t not in ANNOTATIONS)

    @property
    def is_task_row(self) -> bool:
        return self.view != GENERAL_VIEW

    def example(self) -> Example:
        return Example(id=self.id, inputs=self.inputs, outputs=self.outputs)

    def filter_view(self) -> dict[str, Any]:
        """What the quality filters compare: the content fields only."""
        if self.messages is not None:
            return {"id": self.id, "messages": self.messages}
        return {"id": self.id, "inputs": self.inputs, "outputs": self.outputs}


def from_example(example: Example) -> SynthRow:
    return SynthRow(id=example.id, inputs=dict(example.inputs), outputs=dict(example.outputs))


def stamp(ts: float) -> datetime:
    """A stored Unix time as the lineage's timezone-aware datetime (same float, same bytes)."""
    return datetime.fromtimestamp(ts, timezone.utc)


def child_lineage(
    parent: SynthRow | None,
    *,
    transform: str,
    created_at: float,
    model: str | None = None,
    prompt_hash: str | None = None,
    source_ids: list[str] | None = None,
    params: dict[str, Any] | None = None,
) -> Lineage:
    """The lineage of a row made from ``parent``: the parent's root ids, and the parent's own
    lineage kept under ``params.parent`` when the parent was itself synthetic (so a paraphrase of
    a flipped row still says it was flipped first)."""
    extra = dict(params or {})
    if parent is not None and parent.lineage is not None:
        extra["parent"] = {"id": parent.id, "lineage": parent.lineage.model_dump(mode="json")}
    roots = source_ids if source_ids is not None else (parent.roots if parent is not None else [])
    return Lineage(
        source_ids=roots, transform=transform, model=model, prompt_hash=prompt_hash,
        created_at=stamp(created_at), params=extra,
    )


def row_time(row: SynthRow, data_time: float) -> float:
    """When a row's content was fixed: its lineage time, or the data file's for task rows."""
    return row.lineage.created_at.timestamp() if row.lineage else data_time
