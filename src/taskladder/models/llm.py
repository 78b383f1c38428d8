"""Provider calls: one chat completion per call, no retries here (the runner retries).

The one place callers import provider clients from: ``CallResult`` (client.py),
``OpenAICompatibleClient`` (openai_http.py: ``openai/...`` models and any OpenAI-compatible
server, over lean keep-alive HTTP: http1.py), ``OpenAISDKClient`` (openai_sdk.py, ``transport: openai-sdk``),
``LiteLLMClient`` (litellm_client.py, the fallback that routes any other model string) and
``make_client`` (providers.py, which picks the client). The openai SDK and LiteLLM are imported
only when such a client is built: they cost seconds, which ``taskladder --help`` and
baseline-only runs must not pay.
"""

from __future__ import annotations

from .client import CallResult
from .litellm_client import LiteLLMClient
from .openai_http import OpenAICompatibleClient, api_base
from .openai_sdk import OpenAISDKClient
from .providers import make_client

__all__ = ["CallResult", "LiteLLMClient", "OpenAICompatibleClient", "OpenAISDKClient", "api_base", "make_client"]
