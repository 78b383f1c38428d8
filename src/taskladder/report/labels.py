"""Per-label precision, recall and F1 for label outputs, from records.

The numbers are ``taskladder.metrics.per_label_breakdown``'s, so labels are matched exactly
as the accuracy metric matches them ("Billing" and "billing." are one class); they are
computed from confusion counts gathered one record at a time (``report.digest``).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from ..store.records import Record
from .digest import LabelCounts


class LabelStats(BaseModel):
    label: str
    support: int
    precision: float
    recall: float
    f1: float


def stats_of(counts: LabelCounts) -> list[LabelStats]:
    return [LabelStats.model_validate(row) for row in counts.per_label_rows()]


def per_label(records: Iterable[Record], field: str) -> list[LabelStats]:
    """Stats per label, most frequent first.

    A missing prediction (parse failure, call error) counts against recall of the true
    label and toward no label's precision; a label the model invented shows with support 0.
    """
    return stats_of(LabelCounts.of(records, field))
