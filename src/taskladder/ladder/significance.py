"""Is one run really better than another on the same examples? (paired tests on records)"""

from __future__ import annotations

from ..metrics import paired_bootstrap_scores
from ..runner import EvalResult

ALPHA = 0.05


def _paired(a: EvalResult, b: EvalResult):
    sa = {r.example_id: r.score or 0.0 for r in a.records}
    sb = {r.example_id: r.score or 0.0 for r in b.records}
    shared = [k for k in sa if k in sb]
    if len(shared) < 2:
        return None
    return paired_bootstrap_scores([sa[k] for k in shared], [sb[k] for k in shared])


def is_significant_gain(best: EvalResult, candidate: EvalResult) -> bool:
    """The candidate beats ``best`` with p < 0.05 (paired bootstrap over shared examples)."""
    res = _paired(best, candidate)
    return res is not None and res.diff > 0 and res.p_value < ALPHA


def not_significantly_worse(best: EvalResult, candidate: EvalResult) -> bool:
    res = _paired(best, candidate)
    return res is None or not (res.diff < 0 and res.p_value < ALPHA)
