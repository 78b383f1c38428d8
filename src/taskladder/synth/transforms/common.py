"""Pieces the model-calling transforms share: how a task is described in a generation prompt,
and how generated rows are read back from a reply (robustly: fences, prose, partial lists)."""

from __future__ import annotations

import json
from typing import Any

from ...prompt.coerce import coerce
from ...prompt.extract import json_objects, unfence
from ...prompt.values import value_text
from ...task import TaskSpec

_DECODER = json.JSONDecoder()


def task_brief(spec: TaskSpec, labels: dict[str, list[str]]) -> str:
    """The task in a few lines: its instructions and its fields, with label sets."""
    lines = [f"Task instructions: {spec.instructions.strip() or spec.name}"]
    lines.append("Input fields: " + ", ".join(spec.inputs))
    outs = []
    for name, f in spec.outputs.items():
        hint: str = f.type
        if f.type == "label" and labels.get(name):
            hint += ": one of " + ", ".join(labels[name])
        outs.append(f"{name} ({hint})")
    lines.append("Output fields: " + "; ".join(outs))
    return "\n".join(lines)


def row_keys(spec: TaskSpec) -> list[str]:
    return list(spec.inputs) + list(spec.outputs)


def json_items(text: str) -> list[Any] | None:
    """The first JSON array in a reply (fenced or in prose), else every JSON object in it;
    ``None`` when there is neither."""
    for body in dict.fromkeys((unfence(text), text)):
        pos = body.find("[")
        while pos != -1:
            try:
                value, _ = _DECODER.raw_decode(body, pos)
            except json.JSONDecodeError:
                pos = body.find("[", pos + 1)
                continue
            if isinstance(value, list) and (not value or any(isinstance(v, dict) for v in value)):
                return value
            pos = body.find("[", pos + 1)
    objects = json_objects(text)
    if objects:
        # {"rows": [...]} is a list under one key.
        if len(objects) == 1 and len(objects[0]) == 1 and isinstance(next(iter(objects[0].values())), list):
            return next(iter(objects[0].values()))
        return objects
    return None


def parse_rows(
    text: str, spec: TaskSpec, labels: dict[str, list[str]]
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], dict[str, int]]:
    """Generated rows ``(inputs, outputs)`` in a reply, typed like the task's fields, and why
    the items that were not usable were left out (counted by reason)."""
    reasons: dict[str, int] = {}

    def skip(reason: str) -> None:
        reasons[reason] = reasons.get(reason, 0) + 1

    items = json_items(text)
    if items is None:
        skip("reply_not_json")
        return [], reasons
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for item in items:
        if not isinstance(item, dict):
            skip("item_not_object")
            continue
        lowered = {str(k).strip().casefold(): v for k, v in item.items()}
        missing = [k for k in row_keys(spec) if k.casefold() not in lowered]
        if missing:
            skip("missing_field")
            continue
        inputs = {k: value_text(lowered[k.casefold()]).strip() for k in spec.inputs}
        if any(not v for v in inputs.values()):
            skip("empty_input")
            continue
        outputs: dict[str, Any] = {}
        for name, f in spec.outputs.items():
            value, error = coerce(lowered[name.casefold()], f.type, name, labels.get(name))
            if error or value is None or value == "":
                outputs = {}
                break
            outputs[name] = value
        if not outputs:
            skip("bad_output")
            continue
        out.append((inputs, outputs))
    return out, reasons


def add_reasons(into: dict[str, int], more: dict[str, int]) -> None:
    for k, v in more.items():
        into[k] = into.get(k, 0) + v
