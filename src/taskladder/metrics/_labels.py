"""Encode label predictions as integer codes (shared by macro-F1 and the per-label table)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Output, _check_lengths
from ._fields import pick_field
from ._normalize import as_text, normalize_text

NO_ANSWER = -1  # code of a missing prediction: wrong for every gold label, never a class


def encode_labels(
    field: str | None, predicted: list[Output | None], expected: list[Output], metric: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Codes of gold and predicted labels, and the display name of each code.

    Labels compare after ``normalize_text`` ("Billing" and "billing." are one class); each
    class is shown with its first gold spelling (or first predicted one if never gold).
    """
    _check_lengths(predicted, expected)
    codes: dict[str, int] = {}
    names: list[str] = []

    def code(value: Any) -> int:
        key = normalize_text(value)
        if key not in codes:
            codes[key] = len(names)
            names.append(as_text(value))
        return codes[key]

    gold = np.empty(len(expected), dtype=np.int64)
    keys = []
    for i, exp in enumerate(expected):
        key = pick_field(field, exp, metric)
        keys.append(key)
        gold[i] = code(exp[key])
    pred = np.full(len(expected), NO_ANSWER, dtype=np.int64)
    for i, (p, key) in enumerate(zip(predicted, keys)):
        value = None if p is None else p.get(key)
        if value is not None:
            pred[i] = code(value)
    return gold, pred, names
