"""``make_selector``: a demo selector by strategy name, with its options checked."""

from __future__ import annotations

import inspect
from typing import Any

from ..errors import ConfigError
from .base import DemoSelector
from .dense import EmbeddingSelector
from .fusion import FusionSelector
from .lexical import BM25Selector
from .mmr import MMRSelector
from .simple import RandomSelector, StratifiedSelector

STRATEGIES: dict[str, type[DemoSelector]] = {
    cls.strategy: cls
    for cls in (RandomSelector, StratifiedSelector, BM25Selector, EmbeddingSelector, MMRSelector, FusionSelector)
}


def make_selector(strategy: str, k: int, seed: int = 0, **opts: Any) -> DemoSelector:
    """A selector for ``strategy`` (random, stratified, bm25, embedding, mmr, fusion); call ``fit`` next."""
    cls = STRATEGIES.get(strategy)
    if cls is None:
        raise ConfigError(f"unknown demo strategy '{strategy}'; use one of {', '.join(STRATEGIES)}")
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "k", "seed")]
    unknown = sorted(set(opts) - set(allowed))
    if unknown:
        listed = ", ".join(allowed) or "none"
        raise ConfigError(f"demo strategy '{strategy}' has no option {', '.join(unknown)}; its options: {listed}")
    return cls(k, seed, **opts)
