"""Prices: the model's configured price, else LiteLLM's cost map, else *unknown*.

An unknown price is ``None`` all the way to the report, never $0.
"""

from __future__ import annotations

from .config import ModelConfig, Price
from .litellm_loader import load_litellm
from .providers import served_by_plugin


def lookup_price(cfg: ModelConfig) -> Price | None:
    if cfg.price is not None:
        return cfg.price
    if cfg.is_scripted or cfg.is_local:
        return Price(input_per_mtok=0.0, output_per_mtok=0.0)
    if served_by_plugin(cfg):
        return None  # LiteLLM's map knows nothing of a plugin's models: unknown, unless models.yaml says

    litellm = load_litellm()

    for key in _candidate_keys(cfg.model):
        info = litellm.model_cost.get(key)
        if info and info.get("input_cost_per_token") is not None:
            return Price(
                input_per_mtok=float(info["input_cost_per_token"]) * 1e6,
                output_per_mtok=float(info.get("output_cost_per_token") or 0.0) * 1e6,
            )
    return None


def _candidate_keys(model: str) -> list[str]:
    keys = [model]
    if "/" in model:
        keys.append(model.split("/", 1)[1])
    return keys


def call_cost(price: Price | None, input_tokens: int, output_tokens: int) -> float | None:
    return None if price is None else price.cost(input_tokens, output_tokens)
