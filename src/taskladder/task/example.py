"""One row of a task: an id, its input fields and its expected output fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Example(BaseModel):
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = Field(default_factory=dict)
    # Extra columns of the row (gold passages, intermediate fields, sources ...).
    extra: dict[str, Any] = Field(default_factory=dict)

    model_config = {"frozen": True}

    def input_text(self) -> str:
        """All input fields as one string, in declared order (for retrieval and baselines)."""
        if len(self.inputs) == 1:
            return str(next(iter(self.inputs.values())))
        return "\n".join(f"{k}: {v}" for k, v in self.inputs.items())
