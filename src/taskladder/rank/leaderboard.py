"""A leaderboard from pairwise judgments: BT ratings, bootstrap intervals, rank ranges, bias."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from ..errors import TaskladderError
from .bootstrap import bootstrap_samples, summarise
from .bradley_terry import DEFAULT_PRIOR, fit_bradley_terry
from .comparison import Comparison
from .elo import online_elo
from .position_bias import PositionBias, measure_position_bias


class PlayerRating(BaseModel):
    name: str
    rating: float  # Bradley–Terry, Elo scale (mean 1000)
    ci_low: float
    ci_high: float
    rank: int  # by the point estimate, 1 = best
    rank_low: int  # 2.5th percentile of the rank across resamples (best plausible)
    rank_high: int  # 97.5th percentile (worst plausible)
    battles: int
    online_elo: float


class Leaderboard(BaseModel):
    ratings: list[PlayerRating]  # best first
    n_judgments: int
    n_items: int
    first_position_elo: float | None  # fitted advantage of the first slot (None: not fitted)
    position_bias: PositionBias
    n_boot: int
    level: float
    prior: float

    def to_json(self) -> dict[str, Any]:
        """The ``taskladder rank --json`` object."""
        return {
            "ratings": [
                {k: getattr(r, k) for k in ("name", "rating", "ci_low", "ci_high", "rank_low", "rank_high")}
                for r in self.ratings
            ],
            "n_judgments": self.n_judgments,
            "n_items": self.n_items,
            "first_position_elo": self.first_position_elo,
            "position_bias": self.position_bias.model_dump(),
            "online_elo": {r.name: r.online_elo for r in self.ratings},
            "bootstrap": {"resamples": self.n_boot, "level": self.level, "over": "items"},
        }


def rank_comparisons(
    comparisons: Sequence[Comparison], *, first_position: bool | None = None, n_boot: int = 500,
    seed: int = 0, prior: float = DEFAULT_PRIOR, level: float = 0.95,
) -> Leaderboard:
    """Fit, bootstrap over items and summarise. ``first_position=None`` fits the
    first-slot term exactly when some comparisons say which answer was shown first."""
    if not comparisons:
        raise TaskladderError("no judgments to rank; give at least one {item, a, b, winner} row")
    if first_position is None:
        first_position = any(c.first is not None for c in comparisons)
    fit = fit_bradley_terry(comparisons, first_position=first_position, prior=prior)
    players = fit.players
    summary = summarise(
        bootstrap_samples(comparisons, players, n_boot=n_boot, seed=seed, first_position=first_position, prior=prior),
        players, level,
    )
    ratings = fit.ratings
    battles = Counter(n for c in comparisons for n in (c.a, c.b))
    elo = online_elo(comparisons)
    order = sorted(range(len(players)), key=lambda k: -ratings[players[k]])
    rows = [
        PlayerRating(
            name=players[k], rating=ratings[players[k]], ci_low=summary.ci_low[k], ci_high=summary.ci_high[k],
            rank=pos + 1, rank_low=summary.rank_low[k], rank_high=summary.rank_high[k],
            battles=battles[players[k]], online_elo=elo[players[k]],
        )
        for pos, k in enumerate(order)
    ]
    return Leaderboard(
        ratings=rows, n_judgments=len(comparisons), n_items=len({c.item for c in comparisons}),
        first_position_elo=fit.first_position_elo, position_bias=measure_position_bias(comparisons),
        n_boot=n_boot, level=level, prior=prior,
    )
