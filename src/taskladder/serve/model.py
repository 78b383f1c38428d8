"""A bare model as the server's responder: any messages in, the model's own reply out.

``taskladder serve --model local/NAME`` uses it, so any OpenAI client (DSPy included) can
call a model taskladder tuned; hosted model strings work the same way. No task, no pipeline:
the request's messages go to the model unchanged.
"""

from __future__ import annotations

from typing import Any

from ..models.config import ModelConfig
from ..models.providers import make_client
from ..runner.preflight import check_access
from .responder import ResponderResult

PASSED_PARAMS = ("max_tokens", "max_completion_tokens", "temperature", "stop", "seed")


class ModelResponder:
    def __init__(self, cfg: ModelConfig):
        check_access(cfg)  # a bad model path or a missing key: one line before the server starts
        self.cfg = cfg
        self.client = make_client(cfg)

    async def __call__(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> ResponderResult:
        chosen = {k: params[k] for k in PASSED_PARAMS if params.get(k) is not None}
        result = await self.client.complete([{"role": str(m.get("role")), "content": str(m.get("content") or "")}
                                             for m in messages], {**self.cfg.params, **chosen})
        return ResponderResult(text=result.texts[0] if result.texts else "", usage_in=result.input_tokens,
                               usage_out=result.output_tokens)
