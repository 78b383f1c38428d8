"""Provider calls: one chat completion per call, no retries here (the runner retries).

This module holds the openai-SDK client and is the one place callers import provider clients
from: ``CallResult`` (client.py), ``LiteLLMClient`` (litellm_client.py, the fallback that
routes any other model string) and ``make_client`` (providers.py, which picks the client).
The openai SDK and LiteLLM are imported only when such a client is built: they cost
seconds, which ``taskladder --help`` and baseline-only runs must not pay.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..errors import ModelAccessError
from ..redaction import remember_credential
from .client import CallResult, result_from_response
from .config import ModelConfig
from .errors import classify
from .litellm_client import LiteLLMClient
from .providers import make_client

__all__ = ["CallResult", "LiteLLMClient", "OpenAICompatibleClient", "make_client"]


def api_base(cfg: ModelConfig) -> str | None:
    """The server to call: models.yaml's ``api_base``, else the environment as LiteLLM reads it
    (``OPENAI_BASE_URL``, then LiteLLM's own ``OPENAI_API_BASE``), else OpenAI's."""
    return cfg.api_base or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE") or None


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
            raise ModelAccessError(
                f"model '{cfg.name}': no API key; set OPENAI_API_KEY or api_key_env in models.yaml"
            )
        remember_credential(key)  # whatever its shape or source, it never reaches a file
        limits = httpx.Limits(max_connections=max(cfg.concurrency * 2, 16), max_keepalive_connections=max(cfg.concurrency, 8))
        self._client = openai.AsyncOpenAI(
            api_key=key, base_url=api_base(cfg), max_retries=0, timeout=cfg.timeout_s,
            # openai's stubs name a vendored httpx's Limits; the object is the same httpx type at runtime.
            http_client=openai.DefaultAsyncHttpxClient(limits=limits),  # type: ignore[arg-type]
        )
        self._model = cfg.model.split("/", 1)[-1]

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        start = time.perf_counter()
        try:
            # Plain role/content dicts are what the API takes; the SDK's TypedDict union is stricter than needed.
            resp = await self._client.chat.completions.create(
                model=self._model, messages=messages, **params)  # type: ignore[arg-type]
        except Exception as exc:  # every provider failure is classified, none escapes raw
            raise classify(exc) from None
        return result_from_response(resp, (time.perf_counter() - start) * 1000)
