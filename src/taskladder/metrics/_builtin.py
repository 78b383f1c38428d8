"""The mean-type built-in metrics: exact_match, accuracy, token_f1, numeric, json_fields."""

from __future__ import annotations

from typing import Any

from ..task.spec import OutputField
from ..textsim import chrf
from ._base import Metric, Output
from ._fields import exact_field, graded_field, infer_field, pick_field
from ._normalize import normalize_text, numbers_match, token_f1


class _FieldMetric(Metric):
    """A metric over one output field (``None``: the only field of each example)."""

    def __init__(self, field: str | None = None, kind: OutputField | None = None):
        self.field = field
        self.kind = kind

    def _values(self, predicted: Output, expected: Output) -> tuple[Any, Any]:
        name = pick_field(self.field, expected, self.name)
        return predicted.get(name), expected[name]


class Accuracy(_FieldMetric):
    """Normalised exact match on a label field."""

    name = "accuracy"

    def _score(self, predicted: Output, expected: Output) -> float:
        pred, gold = self._values(predicted, expected)
        return 0.0 if pred is None else float(normalize_text(pred) == normalize_text(gold))


class TokenF1(_FieldMetric):
    """SQuAD-style token F1 on a text field."""

    name = "token_f1"

    def _score(self, predicted: Output, expected: Output) -> float:
        pred, gold = self._values(predicted, expected)
        return 0.0 if pred is None else token_f1(pred, gold)


class ChrF(_FieldMetric):
    """chrF++ (sacrebleu) on a text field, scaled to 0–1: the usual translation metric."""

    name = "chrf"

    def _score(self, predicted: Output, expected: Output) -> float:
        pred, gold = self._values(predicted, expected)
        return 0.0 if pred is None else chrf(str(pred), str(gold)) / 100.0


class Numeric(_FieldMetric):
    """1 when the number is within the field's tolerance of the gold value."""

    name = "numeric"

    def _score(self, predicted: Output, expected: Output) -> float:
        pred, gold = self._values(predicted, expected)
        tolerance = self.kind.tolerance if self.kind else None
        return 0.0 if pred is None else float(numbers_match(pred, gold, tolerance))


class _AllFields(Metric):
    """Base for metrics over every expected field, each matched by its declared type."""

    def __init__(self, fields: dict[str, OutputField] | None = None, only: list[str] | None = None):
        self.fields = dict(fields or {})
        self.only = only  # compare just these fields (None: every expected field)

    def _kind(self, name: str, gold: Any) -> OutputField:
        return self.fields.get(name) or infer_field(gold)

    def _pairs(self, predicted: Output, expected: Output) -> list[tuple[OutputField, Any, Any]]:
        if self.only is None:
            names = list(expected)
        else:
            names = [pick_field(k, expected, self.name) for k in self.only]
        return [(self._kind(k, expected[k]), predicted.get(k), expected[k]) for k in names]


class ExactMatch(_AllFields):
    """Normalised exact match; with several fields, every field must match.

    Text and labels compare after ``normalize_text``; numbers by value within the field's
    tolerance; JSON by normalised deep equality.
    """

    name = "exact_match"

    def _score(self, predicted: Output, expected: Output) -> float:
        pairs = self._pairs(predicted, expected)
        return float(bool(pairs) and all(exact_field(*p) == 1.0 for p in pairs))


class JsonFields(_AllFields):
    """Mean over expected fields of a per-field match, so multi-field outputs earn partial
    credit: label exact, number within tolerance, text token F1, JSON deep equality."""

    name = "json_fields"

    def _score(self, predicted: Output, expected: Output) -> float:
        pairs = self._pairs(predicted, expected)
        return sum(graded_field(*p) for p in pairs) / len(pairs) if pairs else 0.0
