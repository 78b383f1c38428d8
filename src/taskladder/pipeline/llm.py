"""The LLM pipeline: select demos, render messages, call the model, parse the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models.base import Prediction, Usage
from .spec import PipelineSpec

if TYPE_CHECKING:
    from ..runner.calls import ModelCaller
    from ..task import Example, Task


class LLMPipeline:
    kind = "llm"

    def __init__(self, spec: PipelineSpec, task: "Task"):
        self.spec = spec
        self.task = task
        self.name = spec.label()
        self._labels = {
            name: task.labels(name) for name, out in task.spec.outputs.items() if out.type == "label"
        }
        self._selector = None

    def prepare(self) -> None:
        demos = self.spec.demos
        if demos and demos.k > 0:
            from ..demos import make_selector

            self._selector = make_selector(demos.strategy, demos.k, seed=demos.seed)
            self._selector.fit(list(self.task.train))

    def messages(self, example: "Example") -> tuple[list[dict[str, str]], list[str]]:
        from ..prompt import render_messages

        demos = self._selector.select(example) if self._selector else []
        msgs = render_messages(
            self.task.spec, example, demos, reasoning=self.spec.reasoning,
            instructions=self.spec.instructions, labels=self._labels,
        )
        return msgs, [d.id for d in demos]

    async def apredict(self, example: "Example", caller: "ModelCaller") -> Prediction:
        from ..prompt import parse_output

        messages, demo_ids = self.messages(example)
        outcome = await caller.call(messages, self.spec.params)
        trace: dict[str, Any] = {"demo_ids": demo_ids}
        pred = Prediction(
            raw_text=outcome.text, usage=Usage(input_tokens=outcome.input_tokens, output_tokens=outcome.output_tokens),
            cost_usd=outcome.cost_usd, spent_usd=0.0 if outcome.cached else (outcome.cost_usd or 0.0),
            latency_ms=outcome.latency_ms, cached=outcome.cached,
            calls=0 if outcome.cached else (0 if outcome.error else 1), cached_calls=1 if outcome.cached else 0,
            trace=trace,
        )
        if outcome.error:
            pred.error = outcome.error
            return pred
        parsed = parse_output(outcome.text, self.task.spec, reasoning=self.spec.reasoning, labels=self._labels)
        pred.output = parsed.output
        pred.parse_error = parsed.error
        if parsed.reasoning:
            trace["reasoning"] = parsed.reasoning
        return pred
