"""The floor every other predictor must beat: always answer the most common training output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Answer, Baseline, detached, majority_outputs

if TYPE_CHECKING:
    from ..task import Example


class MajorityBaseline(Baseline):
    method = "most common value of each output field in train"

    def _fit(self, train: list["Example"]) -> None:
        self._values, self._shares = majority_outputs(train, self.fields)

    def _answer(self, examples: list["Example"]) -> list[Answer]:
        # Confidence: the share of train with this value (the weakest field, if several).
        confidence = min(self._shares.values())
        return [
            Answer(output={k: detached(v) for k, v in self._values.items()}, confidence=confidence, trace={"share": dict(self._shares)})
            for _ in examples
        ]
