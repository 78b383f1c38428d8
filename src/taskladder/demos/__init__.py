"""k-shot demo selection: which solved examples to show the model, and in what order.

``make_selector(strategy, k, seed, **opts).fit(pool).select(example)`` returns k demos with
the most similar LAST. No strategy can return the query itself or a copy of its input
(see ``guard``).
"""

from .base import DemoSelector
from .dense import EmbeddingSelector
from .factory import STRATEGIES, make_selector
from .fusion import FusionSelector
from .guard import LeakGuard, filter_leaks, normalize_text
from .lexical import BM25Index, BM25Selector
from .mmr import MMRSelector
from .simple import RandomSelector, StratifiedSelector

__all__ = [
    "make_selector", "STRATEGIES", "DemoSelector", "RandomSelector", "StratifiedSelector",
    "BM25Selector", "BM25Index", "EmbeddingSelector", "MMRSelector", "FusionSelector", "LeakGuard",
    "filter_leaks", "normalize_text",
]
