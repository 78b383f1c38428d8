"""Schema and format checks: drop rows a task or a fine-tuning format would reject.

Generated rows fail in predictable ways (an empty output, a label outside the label set, a
number that is prose, JSON that does not parse); catching them here keeps them out of the
demonstrations instead of surfacing later as a failed fine-tuning job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ..finetune.checks import check_record
from .report import FilterReport, _Collector
from .text import as_mapping, row_id

if TYPE_CHECKING:
    from ..task import TaskSpec

R = TypeVar("R")


def _output_problem(value: Any, kind: str, labels: list[str] | None) -> str | None:
    if kind == "label":
        if labels is not None and str(value) not in labels:
            return "unknown_label"
    elif kind == "number":
        if isinstance(value, bool):
            return "not_a_number"
        if not isinstance(value, (int, float)):
            try:
                float(str(value).replace(",", ""))
            except ValueError:
                return "not_a_number"
    elif kind == "json" and isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return "invalid_json"
    return None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def filter_schema(
    rows: Sequence[R], spec: TaskSpec, *, labels: dict[str, list[str]] | None = None
) -> tuple[list[R], FilterReport]:
    """Keep rows whose input fields are present and non-empty and whose output fields are
    present and of the declared type (label in the label set, number, parseable JSON).

    ``labels`` overrides/extends the spec's label sets (e.g. labels inferred from train data);
    a label field with no known label set is only checked for presence.
    """
    label_sets = {name: f.labels for name, f in spec.outputs.items() if f.labels}
    label_sets.update(labels or {})
    out = _Collector("schema", len(rows), rule=f"inputs {spec.inputs} non-empty; outputs {list(spec.outputs)} typed")
    kept: list[R] = []
    for i, row in enumerate(rows):
        m = as_mapping(row)
        reason = None
        for name in spec.inputs:
            if name not in m:
                reason = f"missing_field:{name}"
            elif _empty(m[name]):
                reason = f"empty_field:{name}"
            if reason:
                break
        if reason is None:
            for name, field in spec.outputs.items():
                if name not in m:
                    reason = f"missing_field:{name}"
                elif _empty(m[name]):
                    reason = f"empty_field:{name}"
                else:
                    problem = _output_problem(m[name], field.type, label_sets.get(name))
                    reason = f"{problem}:{name}" if problem else None
                if reason:
                    break
        if reason is None:
            kept.append(row)
        else:
            out.remove(row_id(row, i), reason)
    return kept, out.report


def filter_format(rows: Sequence[R], fmt: str) -> tuple[list[R], FilterReport]:
    """Keep chat/DPO records (dicts as they would be written to JSONL) that pass the
    fine-tuning validator's per-line checks for ``fmt`` (openai-chat, hf-messages, dpo).

    A removed row is counted under its first problem's category.
    """

    out = _Collector(f"format:{fmt}", len(rows), rule=f"taskladder validate --format {fmt} line checks")
    kept: list[R] = []
    for i, row in enumerate(rows):
        problems = check_record(row, fmt)
        if problems:
            out.remove(row_id(row, i), problems[0][0])
        else:
            kept.append(row)
    return kept, out.report
