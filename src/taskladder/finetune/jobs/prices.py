"""Training prices ($ per 1M trained tokens) by base model: models.yaml's ``training_prices:``
table first, then a small built-in table of published prices. A model in neither has an
unknown price, which is shown as unknown and never as $0.

```yaml
training_prices:            # in models.yaml, next to `models:`
  gpt-4.1-mini-2025-04-14: 5.0
  accounts/fireworks/models/llama-v3p1-8b-instruct: 0.5
```
"""

from __future__ import annotations

from pathlib import Path

from ...errors import ConfigError
from ...yamlfile import load_yaml

# OpenAI's published supervised-training prices, $ per 1M tokens (platform.openai.com/pricing, 2025).
# Other providers price by model size and change often: give them in models.yaml.
BUILTIN_TRAINING_PRICES: dict[str, float] = {
    "gpt-4o-mini-2024-07-18": 3.0,
    "gpt-4o-2024-08-06": 25.0,
    "gpt-4.1-2025-04-14": 25.0,
    "gpt-4.1-mini-2025-04-14": 5.0,
    "gpt-4.1-nano-2025-04-14": 1.5,
    "gpt-3.5-turbo-0125": 8.0,
}


def training_prices(models_path: str | Path | None) -> dict[str, float]:
    """The price table: the built-in prices, overridden by ``training_prices:`` in models.yaml."""
    table = dict(BUILTIN_TRAINING_PRICES)
    if models_path is None:
        return table
    raw = load_yaml(models_path).get("training_prices") or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{models_path}: field 'training_prices' must map model ids to $ per 1M training tokens")
    for model, price in raw.items():
        if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
            raise ConfigError(f"{models_path}: field 'training_prices.{model}': {price!r} is not a price; "
                              "give dollars per 1M training tokens, e.g. 3.0")
        table[str(model)] = float(price)
    return table


def price_per_mtok(base_model: str, table: dict[str, float]) -> float | None:
    """The model's training price, looked up by its provider id (with or without a provider prefix)."""
    if base_model in table:
        return table[base_model]
    return table.get(base_model.split("/", 1)[-1]) if "/" in base_model else None
