"""Bootstrap intervals over items: resample the inputs, keep all of each input's battles.

Battles on the same input are correlated (one hard input makes every contestant look
alike), so resampling single battles would give intervals that are too narrow. Each
resample draws items with replacement and weights every battle by its item's multiplicity;
the Bradley–Terry fit is redone on the weighted counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from .bradley_terry import DEFAULT_PRIOR, ELO_MEAN, ELO_PER_LOGIT, PairData, comparison_outcomes, newton_fit
from .comparison import Comparison


class BootstrapSummary(BaseModel):
    players: list[str]
    ci_low: list[float]
    ci_high: list[float]
    rank_low: list[int]
    rank_high: list[int]
    n_boot: int
    level: float


def bootstrap_samples(
    comparisons: Sequence[Comparison], players: Sequence[str], *, n_boot: int = 500, seed: int = 0,
    first_position: bool = False, prior: float = DEFAULT_PRIOR,
) -> np.ndarray:
    """Elo ratings, one row per resample (NaN for a contestant absent from a resample)."""
    index = {p: k for k, p in enumerate(players)}
    n = len(players)
    outcomes = comparison_outcomes(comparisons, index)
    items = [c.item for c in comparisons]
    item_ids = {it: k for k, it in enumerate(dict.fromkeys(items))}
    item_of = np.array([item_ids[it] for it in items], dtype=int)

    # Canonical (i<j, order) cell per battle, so each resample is a weighted bincount.
    cells: dict[tuple[int, int, int], int] = {}
    cell_of = np.empty(len(outcomes), dtype=int)
    wi_of = np.empty(len(outcomes))
    for k, (x, y, score, first) in enumerate(outcomes):
        if x > y:
            x, y, score, first = y, x, 1.0 - score, -first
        cell_of[k] = cells.setdefault((x, y, first), len(cells))
        wi_of[k] = score
    keys = np.array(list(cells.keys()), dtype=int).reshape(-1, 3)
    ci, cj, ch = keys[:, 0], keys[:, 1], keys[:, 2].astype(float)

    rng = np.random.default_rng(seed)
    n_items = len(item_ids)
    out = np.full((n_boot, n), np.nan)
    for b in range(n_boot):
        mult = np.bincount(rng.integers(0, n_items, n_items), minlength=n_items).astype(float)
        w = mult[item_of]
        wi = np.bincount(cell_of, weights=w * wi_of, minlength=len(cells))
        wj = np.bincount(cell_of, weights=w * (1.0 - wi_of), minlength=len(cells))
        keep = (wi + wj) > 0
        data = PairData(n, ci[keep], cj[keep], wi[keep], wj[keep], ch[keep])
        theta, *_ = newton_fit(data, first_position=first_position, prior=prior)
        present = np.zeros(n, dtype=bool)
        present[ci[keep]] = True
        present[cj[keep]] = True
        theta = np.where(present, theta, np.nan)
        out[b] = ELO_MEAN + ELO_PER_LOGIT * (theta - np.nanmean(theta))
    return out


def summarise(samples: np.ndarray, players: Sequence[str], level: float = 0.95) -> BootstrapSummary:
    """Percentile intervals of ratings and of ranks (1 = best) across resamples."""
    lo_q, hi_q = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    # rank = 1 + number of contestants strictly above, among those present in the resample
    higher = samples[:, None, :] > samples[:, :, None]  # [b, i, j]: j above i
    ranks = 1.0 + higher.sum(axis=2)
    ranks[np.isnan(samples)] = np.nan
    ci_low = np.nanpercentile(samples, lo_q, axis=0)
    ci_high = np.nanpercentile(samples, hi_q, axis=0)
    rank_low = np.nanpercentile(ranks, lo_q, axis=0, method="lower")
    rank_high = np.nanpercentile(ranks, hi_q, axis=0, method="higher")
    return BootstrapSummary(
        players=list(players), ci_low=ci_low.tolist(), ci_high=ci_high.tolist(),
        rank_low=[int(r) for r in rank_low], rank_high=[int(r) for r in rank_high],
        n_boot=samples.shape[0], level=level,
    )
