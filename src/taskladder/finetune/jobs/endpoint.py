"""Where a fine-tuning job goes: a provider's base URL, key and base-model id, from models.yaml.

No provider is assumed: OpenAI, Together, Fireworks and others serve the same files +
fine-tuning jobs API, so a models.yaml entry (or ``--base-url``) names the server. The key is
read from the environment when the request is made and registered for redaction; it is never
stored.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict

from ...errors import ModelAccessError
from ...models.config import ModelConfig
from ...redaction import remember_credential

OPENAI_BASE_URL = "https://api.openai.com/v1"


class Endpoint(BaseModel):
    """One provider's fine-tuning API, and the base model to tune there."""

    model_config = ConfigDict(frozen=True)

    config_name: str  # the models.yaml name (or the bare model string) it came from
    prefix: str  # the model string's provider prefix (``openai``), reused for the tuned model
    base_model: str  # the provider's own id of the model to tune
    base_url: str
    api_key_env: str | None  # the variable's name: written to models.yaml, never its value
    api_base_configured: bool  # the URL came from models.yaml / --base-url (so it is written back)

    def api_key(self) -> str:
        """The key, read now from the environment (never stored); a one-line error when unset."""
        name = self.api_key_env or "OPENAI_API_KEY"
        key = os.environ.get(name)
        if not key:
            raise ModelAccessError(f"model '{self.config_name}': environment variable {name} is not set; export it "
                                   "or set api_key_env in models.yaml to the variable that holds this provider's key")
        remember_credential(key)
        return key


def endpoint_for(cfg: ModelConfig, base_url: str | None = None) -> Endpoint:
    """The endpoint of a models.yaml entry: ``--base-url``, else its ``api_base``, else
    ``OPENAI_BASE_URL`` from the environment, else OpenAI's."""
    prefix, _, rest = cfg.model.partition("/")
    if not rest:
        prefix, rest = "openai", cfg.model
    url = base_url or cfg.api_base or os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL
    return Endpoint(config_name=cfg.name, prefix=prefix, base_model=rest, base_url=url.rstrip("/"),
                    api_key_env=cfg.api_key_env, api_base_configured=bool(base_url or cfg.api_base))
