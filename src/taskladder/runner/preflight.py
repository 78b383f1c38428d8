"""Before paying for a run: can this model be called at all?

Missing keys and unreachable servers are the user's to fix, so they end the command
with one line (exit 2) instead of filling every record with the same error after a
minute of retries.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

from ..errors import ModelAccessError
from ..models.config import ModelConfig
from ..models.litellm_loader import load_litellm
from ..models.providers import make_client, provider_for, served_by_plugin


def check_access(cfg: ModelConfig, timeout_s: float = 2.0) -> None:
    if cfg.is_local:
        make_client(cfg)  # finds the weights (no load): a bad local model is one line, before any call
        return
    if cfg.is_scripted or served_by_plugin(cfg):  # LiteLLM cannot check a plugin provider's access
        return
    check_provider(cfg)
    cfg.api_key()  # raises when api_key_env names an unset variable
    if cfg.api_base:
        _check_reachable(cfg, timeout_s)
    elif not cfg.api_key_env:
        _check_provider_key(cfg)


def check_provider(cfg: ModelConfig) -> None:
    """A model string no client can route (``no/such-model``) is refused before anything is sent or stored."""
    if cfg.is_scripted or provider_for(cfg) is not None:  # taskladder's own or a plugin's client routes it
        return

    litellm = load_litellm()
    try:
        litellm.get_llm_provider(model=cfg.model, api_base=cfg.api_base)
    except Exception:  # LiteLLM's BadRequestError: it knows no provider for this string
        prefix = cfg.model.split("/", 1)[0] if "/" in cfg.model else cfg.model
        raise ModelAccessError(
            f"model '{cfg.name}': unknown provider '{prefix}' in '{cfg.model}'; write PROVIDER/MODEL with a "
            f"provider LiteLLM knows (openai, anthropic, gemini, ollama, ...: https://docs.litellm.ai/docs/providers)"
        ) from None


def _check_reachable(cfg: ModelConfig, timeout_s: float) -> None:
    url = urlparse(cfg.api_base)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ModelAccessError(f"model '{cfg.name}': api_base '{cfg.api_base}' is not an http(s) URL")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ModelAccessError(
            f"model '{cfg.name}': cannot reach {cfg.api_base} ({reason}); start the server or fix api_base"
        ) from None


def _check_provider_key(cfg: ModelConfig) -> None:
    provider = provider_for(cfg)
    if provider is not None and provider.builtin and provider.name == "openai":
        # The direct client reads OPENAI_API_KEY itself: no need to import LiteLLM (~4 s) to ask.
        if not os.environ.get("OPENAI_API_KEY"):
            raise ModelAccessError(f"model '{cfg.name}': set OPENAI_API_KEY in the environment "
                                   f"(or name the variable with api_key_env in models.yaml)")
        return
    litellm = load_litellm()

    try:
        env = litellm.validate_environment(model=cfg.model)
    except Exception:  # an unknown provider: let the call itself say what is wrong
        return
    missing = env.get("missing_keys") or []
    if not env.get("keys_in_environment", True) and missing:
        raise ModelAccessError(
            f"model '{cfg.name}': set {', '.join(missing)} in the environment "
            f"(or name the variable with api_key_env in models.yaml)"
        )
