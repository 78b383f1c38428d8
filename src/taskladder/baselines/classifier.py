"""Linear classifiers over text features, one per label output field.

A classifier only makes sense for a label field. Other fields (text, number, json) are
filled by copying the nearest training example's value, using the neighbour index that
matches the features (BM25 beside TF-IDF, embedding cosine beside embeddings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .base import Answer, Baseline, detached
from .features import Featurizer
from .neighbours import NeighbourIndex

if TYPE_CHECKING:
    from ..task import Example

_TOP = 3  # classes kept in the trace, for error analysis


class _Constant:
    """Stands in for a classifier when train has only one value for a field."""

    def __init__(self, label: str):
        self.classes_ = np.array([label], dtype=object)

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.ones((X.shape[0], 1))


class LinearClassifierBaseline(Baseline):
    def __init__(
        self,
        name: str,
        features: Featurizer,
        neighbours: Callable[[], NeighbourIndex],
        C: float,
        solver: str = "lbfgs",
        tol: float = 1e-4,
    ):
        super().__init__(name)
        self.features = features
        self._make_neighbours = neighbours
        self.C = C
        self.solver = solver
        self.tol = tol
        self.method = f"logistic regression (C={C}) on {features.kind}, one per label field"

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["non_label_fields"] = (
            f"copy the nearest training example's value ({self._make_neighbours().kind})"
        )
        if self.fields:
            out["fields"] = {
                n: ("classifier" if n in self.label_fields else "nearest-neighbour copy")
                for n in self.fields
            }
        return out

    def _fit(self, train: list["Example"]) -> None:
        from sklearn.linear_model import LogisticRegression

        texts = [e.input_text() for e in train]
        self._train = train
        self._classifiers: dict[str, Any] = {}
        X = self.features.fit_transform(texts) if self.label_fields else None
        for name in self.label_fields:
            y = np.array([str(e.outputs[name]) for e in train], dtype=object)
            if len(set(y)) == 1:
                self._classifiers[name] = _Constant(y[0])
                continue
            clf = LogisticRegression(C=self.C, solver=self.solver, tol=self.tol, max_iter=2000, random_state=0)
            clf.fit(X, y)
            self._classifiers[name] = clf
        self._copy_fields = [n for n in self.fields if n not in self.label_fields]
        self._neighbours: NeighbourIndex | None = None
        if self._copy_fields:  # built only when needed: it may cost a second index
            self._neighbours = self._make_neighbours()
            self._neighbours.fit(texts)

    def _answer(self, examples: list["Example"]) -> list[Answer]:
        texts = [e.input_text() for e in examples]
        outputs: list[dict[str, Any]] = [{} for _ in examples]
        traces: list[dict[str, Any]] = [{} for _ in examples]
        confidences = np.ones(len(examples))
        if self._classifiers:
            X = self.features.transform(texts)
            for name, clf in self._classifiers.items():
                proba = clf.predict_proba(X)
                best = proba.argmax(axis=1)
                confidences = np.minimum(confidences, proba[np.arange(len(best)), best])
                order = np.argsort(-proba, axis=1)[:, :_TOP]
                for i, row in enumerate(order):
                    outputs[i][name] = str(clf.classes_[best[i]])
                    traces[i].setdefault("top", {})[name] = [
                        [str(clf.classes_[j]), round(float(proba[i, j]), 4)] for j in row
                    ]
        if self._neighbours is not None:
            idx, scores = self._neighbours.nearest(texts)
            for i, (j, s) in enumerate(zip(idx, scores)):
                neighbour = self._train[int(j)]
                for name in self._copy_fields:
                    outputs[i][name] = detached(neighbour.outputs[name])
                traces[i]["neighbour_id"] = neighbour.id
                traces[i]["neighbour_score"] = float(s)
        # Keep the task's field order in every output.
        ordered = [{n: out[n] for n in self.fields} for out in outputs]
        conf: list[float | None] = (
            [float(c) for c in confidences] if self._classifiers else [None] * len(examples)
        )
        return [Answer(output=o, confidence=c, trace=t) for o, c, t in zip(ordered, conf, traces)]
