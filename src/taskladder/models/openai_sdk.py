"""The openai SDK as a client (``transport: openai-sdk``); imported only when such a client is built."""

from __future__ import annotations

import os
import time
from typing import Any

from ..errors import ModelAccessError
from ..redaction import remember_credential
from .client import CallResult, result_from_response
from .config import ModelConfig
from .errors import classify
from .openai_http import api_base


class OpenAISDKClient:
    """``transport: openai-sdk``: the official SDK, on one pooled connection set.

    It was the direct path for ``openai/...`` models until the direct client
    (``openai_http.OpenAICompatibleClient``) replaced it: the SDK's per-call request
    transformation and httpx pool cost ~3 ms of CPU per call (benchmarks/bench_throughput.py).
    Kept for whoever needs the SDK's exact behaviour.
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
