"""Per-label precision, recall and F1 for label outputs, from records.

The numbers come from ``taskladder.metrics.per_label_breakdown`` so labels are matched
exactly as the accuracy metric matches them ("Billing" and "billing." are one class).
"""

from __future__ import annotations

from pydantic import BaseModel

from ..metrics import per_label_breakdown
from ..store.records import Record
from ..task import TaskSpec

# A label set larger than this (without a spec saying so) is more likely free text.
_MAX_INFERRED_LABELS = 200


class LabelStats(BaseModel):
    label: str
    support: int
    precision: float
    recall: float
    f1: float


def label_fields(task_spec: TaskSpec | None, records: list[Record]) -> list[str]:
    """Names of the label output fields.

    Without a spec, a single output field whose expected values are short strings that
    repeat counts as a label; free text would make a per-label table meaningless.
    """
    if task_spec is not None:
        return [name for name, f in task_spec.outputs.items() if f.type == "label"]
    fields = {k for r in records for k in r.expected}
    if len(fields) != 1 or not records:
        return []
    name = fields.pop()
    values = [r.expected.get(name) for r in records]
    if not all(isinstance(v, str) and len(v) <= 80 for v in values):
        return []
    distinct = set(values)
    if len(distinct) > _MAX_INFERRED_LABELS or len(distinct) > max(2, len(values) // 2):
        return []
    return [name]


def per_label(records: list[Record], field: str) -> list[LabelStats]:
    """Stats per label, most frequent first.

    A missing prediction (parse failure, call error) counts against recall of the true
    label and toward no label's precision; a label the model invented shows with support 0.
    """

    scored = [r for r in records if r.expected.get(field) is not None]
    if not scored:
        return []
    rows = per_label_breakdown(
        field, [r.prediction for r in scored], [r.expected for r in scored]
    )
    return [LabelStats.model_validate(row) for row in rows]
