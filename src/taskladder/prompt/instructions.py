"""The system message: the task's instructions and the exact answer format."""

from __future__ import annotations

import json

from ..task import TaskSpec
from ..task.spec import OutputField
from .fields import REASONING_KEY, answer_mode, label_set


def system_text(
    spec: TaskSpec,
    *,
    reasoning: bool = False,
    instructions: str | None = None,
    labels: dict[str, list[str]] | None = None,
) -> str:
    intro = (instructions if instructions is not None else spec.instructions).strip()
    if not intro:
        intro = f"Task: {spec.name}. Given the input, produce the {_names(list(spec.outputs))}."
    return intro + "\n\n" + format_text(spec, reasoning=reasoning, labels=labels)


def format_text(
    spec: TaskSpec, *, reasoning: bool = False, labels: dict[str, list[str]] | None = None
) -> str:
    if answer_mode(spec, reasoning) == "plain":
        name, field = next(iter(spec.outputs.items()))
        return _plain_format(name, field, label_set(spec, name, labels))
    lines = ["Reply with one JSON object and nothing else, with these keys in this order:"]
    if reasoning:
        lines.append(
            f'- "{REASONING_KEY}": your step-by-step reasoning (a string), written first, '
            "before the answer"
        )
    for name, field in spec.outputs.items():
        lines.append(f"- {json.dumps(name)}: {_json_hint(field, label_set(spec, name, labels))}")
    return "\n".join(lines)


def _plain_format(name: str, field: OutputField, allowed: list[str] | None) -> str:
    if field.type == "label":
        if allowed:
            listed = "\n".join(f"- {label}" for label in allowed)
            return f"Answer with exactly one of these labels and nothing else:\n{listed}"
        return f"Answer with the {name} label only, nothing else."
    if field.type == "number":
        return f"Answer with the {name} as a number only (digits, no units or words)."
    return f"Answer with the {name} only: the value itself, with no explanation."


def _json_hint(field: OutputField, allowed: list[str] | None) -> str:
    if field.type == "label":
        return f"exactly one of {json.dumps(allowed, ensure_ascii=False)}" if allowed else "a label (a string)"
    if field.type == "number":
        return "a number"
    if field.type == "json":
        if field.schema_:
            return "a JSON value matching this schema: " + json.dumps(
                field.schema_, ensure_ascii=False, sort_keys=True
            )
        return "a JSON value"
    return "a string"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
