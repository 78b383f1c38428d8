"""What a provider client returns, and how an OpenAI-shaped response becomes that.

Every client (LiteLLM, the openai SDK, the scripted model, a plugin's) has
``async complete(messages, params) -> CallResult``: the one call the runner makes.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

from .errors import ProviderError


class CallResult(BaseModel):
    texts: list[str]  # one per choice (n > 1 for sampling)
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    extra: dict[str, Any] = Field(default_factory=dict)


class Client(Protocol):
    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult: ...


def result_from_response(resp: Any, latency_ms: float) -> CallResult:
    choices = getattr(resp, "choices", None) or []
    if not choices:
        raise ProviderError("response has no choices", retryable=True)
    texts = []
    for choice in choices:
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None) if message is not None else None
        texts.append(content or "")
    usage = getattr(resp, "usage", None)
    extra = {}
    logprob = mean_logprob(choices[0])
    if logprob is not None:
        extra["logprob"] = logprob
    return CallResult(
        texts=texts,
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        latency_ms=latency_ms,
        extra=extra,
    )


def mean_logprob(choice: Any) -> float | None:
    """Mean token log-probability of a choice, when the provider returned them (logprobs=True)."""
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    found = [getattr(t, "logprob", None) for t in content or []]
    values = [float(v) for v in found if v is not None]
    return sum(values) / len(values) if values else None


