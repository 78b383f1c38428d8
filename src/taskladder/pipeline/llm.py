"""The LLM pipeline: select demos, render messages, call the model, parse the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models.base import Prediction, Usage
from .spec import PipelineSpec

if TYPE_CHECKING:
    from ..runner.calls import ModelCaller
    from ..task import Example, Task

DEFAULT_CONTEXT_TOKENS = 8192  # when neither the config nor LiteLLM knows the window


class LLMPipeline:
    kind = "llm"

    def __init__(self, spec: PipelineSpec, task: "Task"):
        self.spec = spec
        self.task = task
        self.name = spec.label()
        self.labels = {
            name: task.labels(name) for name, out in task.spec.outputs.items() if out.type == "label"
        }
        self._selector = None
        self._context_tokens: int | None = None
        self._model = spec.model

    async def aprepare(self, caller: "ModelCaller") -> None:
        """Build the demo index; for rationale demos, bootstrap the rationales first."""
        demos = self.spec.demos
        self._model = caller.cfg.model
        if not demos or demos.k <= 0:
            return
        from ..demos import make_selector

        pool = list(self.task.train)
        if demos.rationales:
            from ..reasoning import bootstrap_rationales

            pool = (await bootstrap_rationales(self.task, caller, n=demos.rationale_pool, seed=demos.seed)).demos
        k = len(pool) if demos.max_shots else demos.k
        self._selector = make_selector(demos.strategy, max(1, min(k, len(pool) or 1)), seed=demos.seed)
        self._selector.fit(pool)
        if demos.max_shots:
            self._context_tokens = demos.max_prompt_tokens or caller.cfg.context_window or _window(self._model)

    def messages(self, example: "Example") -> tuple[list[dict[str, str]], list[str]]:
        from ..prompt import pack_demos, render_messages

        demos = self._selector.select(example) if self._selector else []
        kwargs = dict(reasoning=self.spec.reasoning, instructions=self.spec.instructions, labels=self.labels)
        if self._context_tokens:
            # Candidates most preferred first; pack_demos returns them most preferred last.
            demos = pack_demos(self.task.spec, example, list(reversed(demos)), model=self._model,
                               context_tokens=self._context_tokens,
                               reserve_output_tokens=self.spec.params.get("max_tokens"), **kwargs)
        return render_messages(self.task.spec, example, demos, **kwargs), [d.id for d in demos]

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
        parsed = parse_output(outcome.text, self.task.spec, reasoning=self.spec.reasoning, labels=self.labels)
        pred.output = parsed.output
        pred.parse_error = parsed.error
        if parsed.reasoning:
            trace["reasoning"] = parsed.reasoning
        return pred


def _window(model: str) -> int:
    from ..prompt import context_window

    return context_window(model) or DEFAULT_CONTEXT_TOKENS
