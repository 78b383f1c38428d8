"""What litellm's cost map knows about a target model: context limit and training price.

Imported lazily (litellm costs seconds and ~200 MB). An unknown model gives ``None``s, which
reports show as "unknown": a missing price is never a price of $0.
"""

from __future__ import annotations

import contextlib
import io
import logging
from typing import Any

from pydantic import BaseModel

from ..models.litellm_loader import load_litellm

log = logging.getLogger(__name__)


class TargetModel(BaseModel):
    model: str
    known: bool  # in litellm's cost map
    context_limit: int | None = None
    training_price_per_token: float | None = None  # USD per trained token, when the map has one
    price_source: str | None = None  # the cost-map key the price came from


def _training_price(entry: dict[str, Any]) -> tuple[float | None, str | None]:
    # litellm's map (1.110) carries inference prices only; a training price, where a future map
    # or a user's `register_model` adds one, is a `*train*..._cost_per_token` key.
    for key, value in sorted(entry.items()):
        if "train" in key and key.endswith("cost_per_token") and isinstance(value, (int, float)) and value > 0:
            return float(value), key
    return None, None


def target_model(model: str) -> TargetModel:
    litellm = load_litellm()

    with contextlib.redirect_stdout(io.StringIO()):  # litellm prints provider hints on stdout
        try:
            info: dict[str, Any] = dict(litellm.get_model_info(model))
        except Exception as exc:  # noqa: BLE001 - litellm raises a bare Exception for "not mapped"
            log.debug("litellm has no entry for %s: %s", model, exc)
            return TargetModel(model=model, known=False)
    raw = litellm.model_cost.get(model) or {}
    limit = info.get("max_input_tokens") or info.get("max_tokens")
    price, source = _training_price({**info, **raw})
    return TargetModel(
        model=model,
        known=True,
        context_limit=int(limit) if limit else None,
        training_price_per_token=price,
        price_source=source,
    )
