"""A pipeline spec as the server's responder: one chat request in, the pipeline's answer out.

The request's last user message is the example's input: the bare text when the task has one
input field, else a JSON object with every input field. Calls go through the same cache as
evaluation runs, so a request the climb already answered is served from the cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import TYPE_CHECKING, Any

from ..baselines import make_baseline
from ..models.base import BatchPredictor, Prediction
from ..models.config import ModelConfig, resolve_model
from ..pipeline import PipelineSpec
from ..pipeline.llm import LLMPipeline
from ..runner.calls import ModelCaller
from ..runner.preflight import check_access
from ..store import Store
from ..task import Example, Task
from .errors import APIError
from .responder import ResponderResult

if TYPE_CHECKING:
    from ..pipeline.llm import LLMPipeline
    from ..runner.calls import ModelCaller


class PipelineResponder:
    def __init__(self, task: Task, spec: PipelineSpec, models: dict[str, ModelConfig], store: Store):
        self.task, self.spec, self.store = task, spec, store
        self._predictor: BatchPredictor | None = None
        self._pipeline: LLMPipeline | None = None
        self._caller: ModelCaller | None = None
        if spec.is_baseline:
            self._predictor = make_baseline(spec.model, spec.params)
            self._predictor.fit(task)
        else:
            cfg = resolve_model(spec.model, models)
            check_access(cfg)
            # The server runs the guard around the whole request; not a second time inside.
            self._pipeline = LLMPipeline(spec.model_copy(update={"guard": None}), task, models)
            # A server outlives a provider's bad minute: it never stops sending for good.
            self._caller = ModelCaller(cfg, store, stop_on_refusal=False)
        self._ready = asyncio.Lock()
        self._prepared = self._pipeline is None

    def example(self, messages: list[dict[str, Any]]) -> Example:
        users = [m for m in messages if m.get("role") == "user"]
        if not users:
            raise APIError(400, "the request has no user message; send the input as the last user message",
                           param="messages", code="invalid_value")
        text = str(users[-1].get("content", ""))
        names = self.task.spec.inputs
        inputs: dict[str, Any]
        if len(names) == 1:
            inputs = {names[0]: text}
        else:
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = None
            if not isinstance(parsed, dict) or set(names) - set(parsed):
                raise APIError(400, f"this pipeline needs a JSON object with the fields {names} as the user message",
                               param="messages", code="invalid_value")
            inputs = parsed
        ex_id = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]
        return Example(id=f"served-{ex_id}", inputs={k: inputs[k] for k in names})

    async def __call__(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> ResponderResult:
        example = self.example(messages)
        if self._predictor is not None:
            pred = (await asyncio.to_thread(self._predictor.predict, [example]))[0]
        else:
            pipeline, caller = self._pipeline, self._caller
            assert pipeline is not None and caller is not None  # __init__ builds both when there is no baseline
            async with self._ready:
                if not self._prepared:
                    await pipeline.aprepare(caller)
                    self._prepared = True
            pred = await pipeline.apredict(example, caller)
        if pred.error:
            raise APIError(502, f"the model failed: {pred.error}", type="server_error", code="upstream_error")
        return ResponderResult(text=self.render(pred), usage_in=pred.usage.input_tokens,
                               usage_out=pred.usage.output_tokens, cached=pred.cached)

    def render(self, pred: Prediction) -> str:
        if pred.output is None:
            return pred.raw_text
        if len(pred.output) == 1:
            value = next(iter(pred.output.values()))
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return json.dumps(pred.output, ensure_ascii=False)

