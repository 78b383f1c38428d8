"""What the model is asked to produce: one shared view used by rendering AND parsing.

Rendering a demo's answer and parsing the model's reply must agree on the format, so both
read it from here: ``plain`` (a bare value, for one non-JSON output field without reasoning)
or ``json`` (one JSON object; several fields, a JSON field, or reasoning first).
"""

from __future__ import annotations

from typing import Literal

from ..task import TaskSpec

AnswerMode = Literal["plain", "json"]

# The key that carries the model's reasoning in the reply, always written first.
REASONING_KEY = "reasoning"


def answer_mode(spec: TaskSpec, reasoning: bool) -> AnswerMode:
    if reasoning or len(spec.outputs) != 1:
        return "json"
    only = next(iter(spec.outputs.values()))
    return "json" if only.type == "json" else "plain"


def label_set(
    spec: TaskSpec, name: str, labels: dict[str, list[str]] | None = None
) -> list[str] | None:
    """The allowed labels of a label field: passed in first, else the spec's, else unknown."""
    field = spec.outputs[name]
    if field.type != "label":
        return None
    if labels and labels.get(name):
        return list(labels[name])
    return list(field.labels) if field.labels else None
