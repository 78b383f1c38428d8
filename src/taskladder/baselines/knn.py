"""Copy the outputs of the nearest training example: k-shot selection taken to its limit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Answer, Baseline, detached, majority_outputs
from .neighbours import NeighbourIndex

if TYPE_CHECKING:
    from ..task import Example


class KnnCopyBaseline(Baseline):
    """1-nearest-neighbour copy of all output fields.

    BM25 can find no neighbour at all (no word in common); then the majority outputs are
    answered instead of an arbitrary training row, and the trace says so.
    """

    def __init__(self, name: str, index: NeighbourIndex):
        super().__init__(name)
        self.index = index
        self.method = f"copy the outputs of the nearest training example ({index.kind})"

    def _fit(self, train: list["Example"]) -> None:
        self._train = train
        self.index.fit([e.input_text() for e in train])
        self._majority, self._shares = majority_outputs(train, self.fields)

    def _answer(self, examples: list["Example"]) -> list[Answer]:
        idx, scores = self.index.nearest([e.input_text() for e in examples])
        return [self._copy(int(i), float(s)) for i, s in zip(idx, scores)]

    def _copy(self, i: int, score: float) -> Answer:
        if self.index.kind == "bm25" and score <= 0.0:
            return Answer(
                output={k: detached(v) for k, v in self._majority.items()},
                confidence=None,
                trace={"neighbour_id": None, "fallback": "majority", "reason": "no word in common with train"},
            )
        neighbour = self._train[i]
        trace: dict[str, Any] = {"neighbour_id": neighbour.id, "score": score}
        # Cosine is a similarity in [-1, 1]; a BM25 score has no fixed scale, so no confidence.
        confidence = max(0.0, min(1.0, score)) if self.index.kind != "bm25" else None
        output = {name: detached(neighbour.outputs[name]) for name in self.fields}
        return Answer(output=output, confidence=confidence, trace=trace)
