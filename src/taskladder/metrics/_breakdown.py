"""Per-label precision, recall and F1 for the report's confusion table."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Output
from ._labels import NO_ANSWER, encode_labels


def per_label_breakdown(
    field: str | None, predicted: list[Output | None], expected: list[Output]
) -> list[dict[str, Any]]:
    """One row per label (gold or predicted), sorted by support, largest first.

    Rows: ``label, support, precision, recall, f1, accuracy_on_label``. Accuracy on a label
    is the share of its gold examples answered correctly, i.e. its recall, named for readers
    who think in accuracy. Labels only ever predicted appear with support 0, because a model
    inventing a class is worth seeing. Missing predictions count as wrong, not as a label.
    """
    if not expected:
        return []
    gold, pred, names = encode_labels(field, predicted, expected, "per_label_breakdown")
    return breakdown_rows(gold, pred, names)


def breakdown_rows(
    gold: np.ndarray, pred: np.ndarray, names: list[str], weight: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """``per_label_breakdown``'s rows from label codes (``NO_ANSWER`` for a missing prediction).

    ``weight``: how many examples each (gold, predicted) pair stands for, so confusion counts
    gathered one record at a time (``report.digest``) give the very numbers of the per-example arrays.
    """
    from sklearn.metrics import precision_recall_fscore_support

    labels = np.union1d(gold, pred[pred != NO_ANSWER])
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=labels, zero_division=0, sample_weight=weight
    )
    rows = [
        {
            "label": names[code],
            "support": int(support[i]),
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "accuracy_on_label": float(recall[i]),
        }
        for i, code in enumerate(labels)
    ]
    rows.sort(key=lambda r: (-r["support"], r["label"]))
    return rows
