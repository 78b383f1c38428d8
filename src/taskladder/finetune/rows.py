"""The rows exports are built from: a prompt, an answer, maybe a rationale; and pairwise wins."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator

from ..lineage import Lineage


class ExportRow(BaseModel):
    """One demonstration: the prompt (``messages`` pieces, or ``input`` text with an optional
    ``system``), the answer ``output``, and the ``reasoning`` that led to it when there is one."""

    id: str | None = None
    messages: list[dict[str, Any]] | None = None  # prompt turns before the answer
    input: str | None = None
    system: str | None = None
    output: str
    reasoning: str | None = None
    lineage: Lineage | None = None

    @model_validator(mode="after")
    def _one_prompt(self) -> ExportRow:
        if (self.messages is None) == (self.input is None):
            raise ValueError("give exactly one of `messages` (prompt turns) or `input` (user text)")
        return self

    def prompt_messages(self, default_system: str | None = None) -> list[dict[str, Any]]:
        if self.messages is not None:
            return [dict(m) for m in self.messages]
        system = self.system if self.system is not None else default_system
        head = [{"role": "system", "content": system}] if system else []
        return head + [{"role": "user", "content": self.input}]

    def group_key(self, index: int) -> str:
        """Rows made from the same source stay on one side of a train/validation split."""
        if self.lineage and self.lineage.source_ids:
            return self.lineage.source_ids[0]
        return self.id if self.id is not None else f"#{index}"


class PairwiseWin(BaseModel):
    """A judged comparison: for ``prompt``, ``chosen`` beat ``rejected``."""

    prompt: str | list[dict[str, Any]]
    chosen: str
    rejected: str
