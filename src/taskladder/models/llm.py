"""Provider calls: one chat completion per call, no retries here (the runner retries).

LiteLLM routes any model string (``openai/...``, ``anthropic/...``, ``ollama/...``) and an
OpenAI-compatible server through ``api_base``. It is imported lazily: it costs ~4 s and
~200 MB, which ``taskladder --help`` and baseline-only runs must not pay.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pydantic import BaseModel, Field

from .config import ModelConfig
from .errors import ProviderError, classify


class CallResult(BaseModel):
    texts: list[str]  # one per choice (n > 1 for sampling)
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    extra: dict[str, Any] = Field(default_factory=dict)


class LiteLLMClient:
    """Calls a model through LiteLLM."""

    def __init__(self, cfg: ModelConfig):
        self.cfg = cfg
        from .litellm_loader import load_litellm

        litellm = load_litellm()
        litellm.drop_params = True  # providers that lack a parameter ignore it instead of failing
        self._litellm = litellm

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        kwargs: dict[str, Any] = dict(params)
        if self.cfg.api_base:
            kwargs["api_base"] = self.cfg.api_base
        key = self.cfg.api_key()
        if key is not None:
            kwargs["api_key"] = key
        elif self.cfg.api_base and self.cfg.model.startswith("openai/"):
            # Local OpenAI-compatible servers often need no key, but the SDK insists on one.
            kwargs["api_key"] = "not-needed"
        start = time.perf_counter()
        try:
            resp = await self._litellm.acompletion(
                model=self.cfg.model, messages=messages, timeout=self.cfg.timeout_s,
                num_retries=0, max_retries=0, **kwargs,
            )
        except Exception as exc:  # every provider failure is classified, none escapes raw
            raise classify(exc) from None
        latency = (time.perf_counter() - start) * 1000
        return _result(resp, latency)


def _result(resp: Any, latency_ms: float) -> CallResult:
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
    logprob = _mean_logprob(choices[0])
    if logprob is not None:
        extra["logprob"] = logprob
    return CallResult(
        texts=texts,
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        latency_ms=latency_ms,
        extra=extra,
    )


def _mean_logprob(choice: Any) -> float | None:
    """Mean token log-probability of a choice, when the provider returned them (logprobs=True)."""
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    values = [getattr(t, "logprob", None) for t in content or []]
    values = [float(v) for v in values if v is not None]
    return sum(values) / len(values) if values else None


class OpenAICompatibleClient:
    """``openai/...`` models: the official SDK directly, on one pooled connection set.

    LiteLLM would route these to the same SDK; calling it directly drops LiteLLM's
    per-call bookkeeping (a 2-3x throughput cost measured in benchmarks/) on the path
    that local servers and OpenAI itself use most.
    """

    def __init__(self, cfg: ModelConfig):
        import httpx
        import openai

        self.cfg = cfg
        key = cfg.api_key() or os.environ.get("OPENAI_API_KEY") or ("not-needed" if cfg.api_base else None)
        if key is None:
            from ..errors import ModelAccessError

            raise ModelAccessError(
                f"model '{cfg.name}': no API key; set OPENAI_API_KEY or api_key_env in models.yaml"
            )
        limits = httpx.Limits(max_connections=max(cfg.concurrency * 2, 16), max_keepalive_connections=max(cfg.concurrency, 8))
        self._client = openai.AsyncOpenAI(
            api_key=key, base_url=cfg.api_base or None, max_retries=0, timeout=cfg.timeout_s,
            http_client=openai.DefaultAsyncHttpxClient(limits=limits),
        )
        self._model = cfg.model.split("/", 1)[-1]

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        start = time.perf_counter()
        try:
            resp = await self._client.chat.completions.create(model=self._model, messages=messages, **params)
        except Exception as exc:  # every provider failure is classified, none escapes raw
            raise classify(exc) from None
        return _result(resp, (time.perf_counter() - start) * 1000)


def make_client(cfg: ModelConfig):
    """The client for ``cfg``: its prefix's provider (built-in or plugin), else LiteLLM."""
    from .providers import make_client as provider_client

    return provider_client(cfg)
