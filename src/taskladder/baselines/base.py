"""What every offline baseline shares: fit checks, timing, and turning answers into Predictions."""

from __future__ import annotations

import copy
import json
import time
from abc import abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import TaskladderError
from ..models.base import BatchPredictor, Prediction

if TYPE_CHECKING:
    from ..task import Example, Task


@dataclass
class Answer:
    """One baseline answer before it becomes a ``Prediction`` (timing is added per batch)."""

    output: dict[str, Any]
    confidence: float | None = None
    trace: dict[str, Any] = field(default_factory=dict)


def value_key(value: Any) -> str:
    """A hashable, stable key for any output value (json outputs may be dicts or lists)."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def detached(value: Any) -> Any:
    """A copy of a training value for a prediction, so editing one never edits the other."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else copy.deepcopy(value)


def as_text(output: dict[str, Any]) -> str:
    """``raw_text``: the value itself for one output field, a JSON object for several."""
    if len(output) == 1:
        value = next(iter(output.values()))
        return value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(output, default=str)


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread for the duration of a fit or predict.

    Measured on a loaded 2-core machine: logistic regression on Banking77 embeddings took
    26 s with OpenBLAS's default 2 threads and 2.4 s with one (threads fighting over cores).
    The problems here are small, so one thread costs little even on a big machine.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def majority_outputs(train: list["Example"], fields: list[str]) -> tuple[dict[str, Any], dict[str, float]]:
    """Most common value of each field in ``train`` and its share (ties: first seen wins)."""
    values: dict[str, Any] = {}
    shares: dict[str, float] = {}
    for name in fields:
        counts = Counter(value_key(e.outputs[name]) for e in train)
        key, n = counts.most_common(1)[0]
        values[name] = next(e.outputs[name] for e in train if value_key(e.outputs[name]) == key)
        shares[name] = n / len(train)
    return values, shares


class Baseline(BatchPredictor):
    """An offline predictor fitted on ``task.train``; subclasses implement ``_fit``/``_answer``."""

    method = ""

    def __init__(self, name: str):
        super().__init__(name)
        self.fields: list[str] = []
        self.label_fields: list[str] = []
        self._fitted = False

    def fit(self, task: "Task") -> None:
        if not task.train:
            raise TaskladderError(
                f"task '{task.name}' has no training examples; {self.name} needs training examples "
                "(give data.train, or a single data.file so part of it is split off as train)"
            )
        self.fields = list(task.spec.outputs)
        self.label_fields = [n for n, f in task.spec.outputs.items() if f.type == "label"]
        with _one_blas_thread():
            self._fit(list(task.train))  # train is the small split: its Examples are held for the fit
        self._fitted = True

    def predict(self, examples: list["Example"]) -> list[Prediction]:
        if not self._fitted:
            raise RuntimeError(f"{self.name}: call fit(task) before predict()")
        if not examples:
            return []
        start = time.perf_counter()
        with _one_blas_thread():
            answers = self._answer(examples)
        # Baselines answer a whole batch at once; each example is charged an equal share.
        per_example_ms = (time.perf_counter() - start) * 1000.0 / len(examples)
        return [
            Prediction(
                output=a.output,
                raw_text=as_text(a.output),
                cost_usd=0.0,
                latency_ms=per_example_ms,
                confidence=a.confidence,
                trace=a.trace,
            )
            for a in answers
        ]

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["method"] = self.method
        return out

    @abstractmethod
    def _fit(self, train: list["Example"]) -> None: ...

    @abstractmethod
    def _answer(self, examples: list["Example"]) -> list[Answer]: ...
