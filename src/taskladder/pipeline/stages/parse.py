"""Parse: the model's text into the task's outputs (and its reasoning, for CoT)."""

from __future__ import annotations

from ...models.base import Prediction
from ...prompt import ParseResult, parse_output
from ...task import TaskSpec


class OutputParser:
    def __init__(self, task_spec: TaskSpec, reasoning: bool, labels: dict[str, list[str]]):
        self.task_spec, self.reasoning, self.labels = task_spec, reasoning, labels

    def parse(self, text: str) -> ParseResult:
        return parse_output(text, self.task_spec, reasoning=self.reasoning, labels=self.labels)

    def parse_into(self, pred: Prediction, text: str) -> None:
        parsed = self.parse(text)
        pred.output = parsed.output
        pred.parse_error = parsed.error
        if parsed.reasoning:
            pred.trace["reasoning"] = parsed.reasoning
