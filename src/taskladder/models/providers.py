"""Which client answers a model string: a provider registered for its prefix, else LiteLLM.

``scripted`` and ``openai`` are built-in providers; a package adds one for its own prefix
under the ``taskladder.providers`` entry point group (see ``taskladder.plugins``). Each
provider is a factory ``factory(cfg: ModelConfig)`` whose client has
``async complete(messages, params) -> CallResult``, the one call the runner makes.
"""

from __future__ import annotations

from typing import Any

from ..plugins import Plugin, registry
from .config import ModelConfig
from .litellm_client import LiteLLMClient
from .openai_sdk import OpenAISDKClient

# pyproject.toml's [project.entry-points."taskladder.providers"] says the same; tests keep them equal.
BUILTIN_PROVIDERS: dict[str, str] = {
    "scripted": "taskladder.models.scripted:ScriptedClient.from_config",
    "openai": "taskladder.models.llm:OpenAICompatibleClient",
    "local": "taskladder.local.client:LocalClient.from_config",
}


def provider_plugins() -> dict[str, Plugin]:
    """Every provider by model prefix, built-ins first."""
    return registry("providers", BUILTIN_PROVIDERS)


def model_prefix(cfg: ModelConfig) -> str:
    # Every "scripted..." model string is the scripted model, with or without a slash.
    return "scripted" if cfg.is_scripted else cfg.model.split("/", 1)[0]


def provider_for(cfg: ModelConfig) -> Plugin | None:
    """The provider that makes this model's client; ``None`` means LiteLLM.

    ``transport`` in models.yaml names the client outright (``openai`` and ``openai-sdk``: the
    built-in ``openai`` provider, ``litellm``: LiteLLM) for every model but a scripted one;
    ``auto`` goes by prefix.
    """
    prefix = model_prefix(cfg)
    providers = provider_plugins()
    if prefix == "scripted" or cfg.transport == "auto":
        return providers.get(prefix)
    return providers["openai"] if cfg.transport in ("openai", "openai-sdk") else None


def served_by_plugin(cfg: ModelConfig) -> bool:
    """True when a plugin (not taskladder or LiteLLM) answers this model, so LiteLLM's key
    checks and price map, which know nothing of the plugin's prefix, do not apply."""
    provider = provider_for(cfg)
    return provider is not None and not provider.builtin


def make_client(cfg: ModelConfig) -> Any:
    provider = provider_for(cfg)
    if provider is None:
        return LiteLLMClient(cfg)
    if cfg.transport == "openai-sdk" and provider.name == "openai" and provider.builtin:
        return OpenAISDKClient(cfg)  # the built-in openai provider, through the SDK as asked
    return provider.make(cfg)
