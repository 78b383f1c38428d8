"""Prices: the model's configured price, else LiteLLM's cost map, else *unknown*.

An unknown price is ``None`` all the way to the report, never $0.

The cost map is read from the JSON file LiteLLM ships (``bundled_cost_map``) when it names the
model: importing LiteLLM itself costs ~4 s, which a run on the direct OpenAI-compatible client
would otherwise pay for one price. Models the file does not name are looked up in LiteLLM's
own map as before (it may know aliases the file lacks).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from .config import ModelConfig, Price
from .litellm_loader import load_litellm
from .providers import served_by_plugin

_COST_MAP_FILE = "model_prices_and_context_window_backup.json"


def lookup_price(cfg: ModelConfig) -> Price | None:
    if cfg.price is not None:
        return cfg.price
    if cfg.is_scripted or cfg.is_local:
        return Price(input_per_mtok=0.0, output_per_mtok=0.0)
    if served_by_plugin(cfg):
        return None  # LiteLLM's map knows nothing of a plugin's models: unknown, unless models.yaml says

    bundled = None if "litellm" in sys.modules else bundled_cost_map()
    if bundled is not None:
        price = _price_in(bundled, cfg.model)
        if price is not None:
            return price
    return _price_in(load_litellm().model_cost, cfg.model)


def _price_in(cost_map: Any, model: str) -> Price | None:
    for key in _candidate_keys(model):
        info = cost_map.get(key)
        if info and info.get("input_cost_per_token") is not None:
            return Price(
                input_per_mtok=float(info["input_cost_per_token"]) * 1e6,
                output_per_mtok=float(info.get("output_cost_per_token") or 0.0) * 1e6,
            )
    return None


@functools.lru_cache(maxsize=1)
def bundled_cost_map() -> dict[str, Any] | None:
    """LiteLLM's bundled price map, read without importing LiteLLM; ``None`` when the user asked
    LiteLLM for another map (``LITELLM_LOCAL_MODEL_COST_MAP`` set to anything but true) or it is missing."""
    if os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP", "true").lower() != "true":
        return None
    spec = importlib.util.find_spec("litellm")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / _COST_MAP_FILE
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            return data if isinstance(data, dict) else None
    return None


def _candidate_keys(model: str) -> list[str]:
    keys = [model]
    if "/" in model:
        keys.append(model.split("/", 1)[1])
    return keys


def call_cost(price: Price | None, input_tokens: int, output_tokens: int) -> float | None:
    return None if price is None else price.cost(input_tokens, output_tokens)


def measured_usd(cfg: ModelConfig, extra: dict[str, Any], token_cost: float | None) -> float | None:
    """A call's cost. A model priced by the hour of its machine (``price_per_machine_hour``: a
    local model) costs the compute seconds the call measured (``extra["compute_s"]``, its share
    of a batch) at that price, so its $/1k calls and $/month show like any hosted model's;
    any other model costs ``token_cost`` (its tokens at its price)."""
    seconds = extra.get("compute_s")
    if cfg.price_per_machine_hour is None or seconds is None:
        return token_cost
    return float(seconds) / 3600 * cfg.price_per_machine_hour
