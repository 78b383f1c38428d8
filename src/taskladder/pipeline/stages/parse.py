"""Parse: the model's text into the task's outputs (and its reasoning, for CoT)."""

from __future__ import annotations

from ...models.base import Prediction
from ...prompt import ParseResult, label_set, parse_output
from ...task import TaskSpec


class OutputParser:
    def __init__(self, task_spec: TaskSpec, reasoning: bool, labels: dict[str, list[str]]):
        self.task_spec, self.reasoning, self.labels = task_spec, reasoning, labels
        self._exact = _exact_labels(task_spec, reasoning, labels)

    def parse(self, text: str) -> ParseResult:
        return parse_output(text, self.task_spec, reasoning=self.reasoning, labels=self.labels)

    def parse_into(self, pred: Prediction, text: str) -> None:
        if self._exact is not None and isinstance(text, str):
            # The common case first: a reply that is exactly one allowed label (what parse_output
            # answers it with, without building its result; tests/test_pipeline_outcomes.py).
            name, allowed = self._exact
            answer = text.strip()
            if answer and answer in allowed:
                pred.output = {name: answer}
                pred.parse_error = None
                return
        parsed = self.parse(text)
        pred.output = parsed.output
        pred.parse_error = parsed.error
        if parsed.reasoning:
            pred.trace["reasoning"] = parsed.reasoning


def _exact_labels(
    task_spec: TaskSpec, reasoning: bool, labels: dict[str, list[str]]
) -> tuple[str, frozenset[str]] | None:
    """The one label field and its allowed labels, where ``parse_output`` takes a reply that is
    exactly one of them as the answer (one label output, no reasoning); else None."""
    if reasoning or len(task_spec.outputs) != 1:
        return None
    name = next(iter(task_spec.outputs))
    allowed = label_set(task_spec, name, labels)
    return (name, frozenset(allowed)) if allowed else None
