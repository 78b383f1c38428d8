"""Offline baselines: predictors without an LLM, fitted on the task's train split.

They are the first rung of the ladder and share the leaderboard with LLM pipelines:
``make_baseline("baseline/tfidf-lr")`` returns a ``BatchPredictor``; ``fit(task)`` then
``predict(examples)``. The nearest-neighbour copy is k-shot selection at its limit.
"""

from .base import Baseline
from .classifier import LinearClassifierBaseline
from .knn import KnnCopyBaseline
from .majority import MajorityBaseline
from .neighbours import Bm25Neighbours, EmbedNeighbours
from .registry import EMBEDDING_BASELINES, baseline_names, default_baseline_names, make_baseline

__all__ = [
    "BASELINE_NAMES", "EMBEDDING_BASELINES", "baseline_names", "make_baseline", "Baseline", "MajorityBaseline",
    "KnnCopyBaseline", "LinearClassifierBaseline", "Bm25Neighbours", "EmbedNeighbours",
]


def __getattr__(attr: str):
    # BASELINE_NAMES includes installed plugins: read on use, never at import (see registry.py).
    if attr == "BASELINE_NAMES":
        return default_baseline_names()
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
