"""The fallback client: any model string LiteLLM routes (``anthropic/...``, ``ollama/...``,
an OpenAI-compatible server through ``api_base``).

LiteLLM is imported when the first such client is built: it costs ~4 s and ~200 MB, which
``taskladder --help`` and baseline-only runs must not pay.
"""

from __future__ import annotations

import time
from typing import Any

from ..redaction import remember_credential, remember_environment_credentials
from .client import CallResult, result_from_response
from .config import ModelConfig
from .errors import classify
from .litellm_loader import load_litellm


class LiteLLMClient:
    """Calls a model through LiteLLM."""

    def __init__(self, cfg: ModelConfig):
        self.cfg = cfg
        litellm = load_litellm()
        litellm.drop_params = True  # providers that lack a parameter ignore it instead of failing
        self._litellm = litellm

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        kwargs: dict[str, Any] = dict(params)
        if self.cfg.api_base:
            kwargs["api_base"] = self.cfg.api_base
        key = self.cfg.api_key()
        if key is None:
            remember_environment_credentials()  # LiteLLM picks the provider's key from the environment
        else:
            remember_credential(key)
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
        return result_from_response(resp, latency)
