"""Bradley–Terry maximum likelihood, ties as half wins, optional first-position term.

Model: P(i beats j) = sigmoid(s_i - s_j + h * eta), with h = +1 when i was shown first,
-1 when j was, 0 when the order is unknown; ``eta`` is the judge's first-position advantage
(a "home advantage"). A tie counts as half a win for each side, which is the usual way to
keep ties without a separate tie parameter (Davidson's model would add one).

The fit is Newton's method on the (optionally penalised) negative log-likelihood. The
problem is small (contestants rarely exceed a few hundred) and convex, so Newton with a
backtracking line search converges in a handful of steps to machine precision: that is what
lets the choix agreement test demand 0.5 Elo. ``prior`` is a Gaussian prior precision on the
logits (choix's ``alpha``): 0 gives the plain MLE, which does not exist when a contestant is
undefeated or the comparison graph is disconnected; a small positive value keeps such fits
finite (the default used by the leaderboard and best-of-N code).

Ratings are reported on the Elo scale: 400/ln(10) Elo points per logit, mean 1000.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel

from .comparison import Comparison

log = logging.getLogger(__name__)

ELO_PER_LOGIT = 400.0 / math.log(10.0)
ELO_MEAN = 1000.0
DEFAULT_PRIOR = 0.01  # Gaussian precision on logits: sd 10 logits, weak but keeps fits finite
# For best-of-N (candidates for one input): sd ~3 logits (~550 Elo). Such candidates rarely
# differ by more, and with a weaker prior a candidate that won every match gets a nearly
# flat Laplace posterior, so P(best) stays needlessly low and early stopping never fires.
BEST_OF_N_PRIOR = 0.1


def to_elo(logits: np.ndarray | Sequence[float]) -> np.ndarray:
    """Centre the logits and map them to the Elo scale (mean 1000)."""
    s = np.asarray(logits, dtype=float)
    return ELO_MEAN + ELO_PER_LOGIT * (s - s.mean())


class PairData:
    """Comparisons aggregated by (i, j, order): the arrays the Newton fit works on.

    Row k: contestant ``i[k]`` against ``j[k]`` (i < j), ``wi[k]`` wins for i and ``wj[k]``
    for j (ties add 0.5 to each), ``h[k]`` = +1/-1/0 as i/j/unknown was shown first.
    """

    __slots__ = ("n", "i", "j", "wi", "wj", "h")

    def __init__(self, n: int, i: np.ndarray, j: np.ndarray, wi: np.ndarray, wj: np.ndarray, h: np.ndarray):
        self.n, self.i, self.j, self.wi, self.wj, self.h = n, i, j, wi, wj, h

    @classmethod
    def from_outcomes(cls, n: int, outcomes: Iterable[tuple[int, int, float, int]]) -> "PairData":
        """``outcomes``: (x, y, score_x, first) with score_x in {1, 0.5, 0}; first = +1 if x
        was shown first, -1 if y was, 0 if unknown."""
        acc: dict[tuple[int, int, int], list[float]] = {}
        for x, y, score, first in outcomes:
            if x > y:
                x, y, score, first = y, x, 1.0 - score, -first
            cell = acc.setdefault((x, y, first), [0.0, 0.0])
            cell[0] += score
            cell[1] += 1.0 - score
        if not acc:
            e = np.zeros(0)
            return cls(n, e.astype(int), e.astype(int), e, e, e)
        keys = np.array(list(acc.keys()), dtype=int)
        vals = np.array(list(acc.values()), dtype=float)
        return cls(n, keys[:, 0], keys[:, 1], vals[:, 0], vals[:, 1], keys[:, 2].astype(float))


def comparison_outcomes(
    comparisons: Iterable[Comparison], index: dict[str, int]
) -> list[tuple[int, int, float, int]]:
    """Translate named comparisons into (x, y, score_x, first) tuples for ``PairData``."""
    out = []
    for c in comparisons:
        score = {"a": 1.0, "b": 0.0, "tie": 0.5}[c.winner]
        first = 0 if c.first is None else (1 if c.first == "a" else -1)
        out.append((index[c.a], index[c.b], score, first))
    return out


def mle_exists(data: PairData) -> bool:
    """Zermelo/Ford condition: the plain MLE is finite iff the "scored against" graph (an edge
    i -> j when i took any points from j) is strongly connected."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = data.n
    src = np.concatenate([data.i[data.wi > 0], data.j[data.wj > 0]])
    dst = np.concatenate([data.j[data.wi > 0], data.i[data.wj > 0]])
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    n_comp, _ = connected_components(graph, directed=True, connection="strong")
    return n_comp == 1


def _objective(d: np.ndarray, x: np.ndarray, wi: np.ndarray, wj: np.ndarray, prior: float, n: int) -> float:
    # -[wi log s(d) + wj log s(-d)] written with logaddexp for stability at large |d|
    nll = float(np.sum(wi * np.logaddexp(0.0, -d) + wj * np.logaddexp(0.0, d)))
    return nll + 0.5 * prior * float(x @ x) + 0.5 * float(x[:n].sum()) ** 2


def newton_fit(
    data: PairData, *, first_position: bool = False, prior: float = DEFAULT_PRIOR,
    max_iter: int = 100, tol: float = 1e-10,
) -> tuple[np.ndarray, float | None, np.ndarray, bool, int]:
    """Fit the logits. Returns (theta centred, eta or None, hessian, converged, iterations).

    The term ``(sum theta)^2 / 2`` fixes the gauge (BT is invariant to a common shift) without
    changing any difference, so the Hessian is invertible whenever the graph is connected.
    Gradient and Hessian are assembled with ``bincount`` rather than a design-matrix product:
    multithreaded BLAS on tiny matrices was 25x slower on a busy 2-core machine.
    """
    n = data.n
    i, j, h, wi, wj = data.i, data.j, data.h, data.wi, data.wj
    use_eta = first_position and bool(np.any(h != 0))
    p = n + (1 if use_eta else 0)
    m = wi + wj
    fixed = prior * np.eye(p)
    fixed[:n, :n] += 1.0  # gauge term
    x = np.zeros(p)

    def diffs(x: np.ndarray) -> np.ndarray:
        d = x[i] - x[j]
        return d + h * x[n] if use_eta else d

    d = diffs(x)
    f = _objective(d, x, wi, wj, prior, n)
    converged = False
    it = 0
    hess = fixed.copy()
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` (iterations used) is returned
        prob = 1.0 / (1.0 + np.exp(-d))
        g = m * prob - wi
        v = m * prob * (1.0 - prob)
        grad = prior * x
        grad[:n] += np.bincount(i, g, n) - np.bincount(j, g, n) + x[:n].sum()
        hess = fixed.copy()
        hess[:n, :n] += np.diag(np.bincount(i, v, n) + np.bincount(j, v, n))
        hess[:n, :n] -= np.bincount(i * n + j, v, n * n).reshape(n, n)
        hess[:n, :n] -= np.bincount(j * n + i, v, n * n).reshape(n, n)
        if use_eta:
            grad[n] += float(h @ g)
            cross = np.bincount(i, h * v, n) - np.bincount(j, h * v, n)
            hess[:n, n] += cross
            hess[n, :n] += cross
            hess[n, n] += float(h * h @ v)
        if np.max(np.abs(grad)) < tol * max(1.0, float(m.sum())):
            converged = True
            break
        try:
            step = np.linalg.solve(hess, -grad)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while True:  # backtracking: the objective is convex, so a short enough step decreases it
            x_new = x + t * step
            d_new = diffs(x_new)
            f_new = _objective(d_new, x_new, wi, wj, prior, n)
            if f_new <= f + 1e-4 * t * float(grad @ step) or t < 1e-10:
                break
            t *= 0.5
        moved = np.max(np.abs(x_new - x))
        x, d, f = x_new, d_new, f_new
        if moved < 1e-12:
            converged = True
            break
    if converged and prior == 0.0 and not mle_exists(data):
        converged = False  # the steps merely shrank while the logits ran off towards infinity
    if not converged:
        log.warning(
            "Bradley-Terry fit did not converge (an undefeated contestant or a disconnected "
            "comparison graph with prior=0 has no finite MLE; use prior > 0)",
        )
    theta = x[:n] - x[:n].mean()
    eta = float(x[n]) if use_eta else None
    return theta, eta, hess, converged, it


class BTFit(BaseModel):
    """A fitted Bradley–Terry model: logits per contestant (centred) and ratings on Elo scale."""

    players: list[str]
    logits: list[float]
    first_position_logit: float | None = None
    prior: float
    converged: bool
    iterations: int
    n_comparisons: int

    @property
    def ratings(self) -> dict[str, float]:
        return dict(zip(self.players, to_elo(self.logits).tolist()))

    @property
    def first_position_elo(self) -> float | None:
        """Advantage of the first slot in Elo points (None when not fitted)."""
        return None if self.first_position_logit is None else ELO_PER_LOGIT * self.first_position_logit

    def p_win(self, a: str, b: str) -> float:
        """Model probability that ``a`` beats ``b`` with the order unknown/neutral."""
        s = dict(zip(self.players, self.logits))
        return 1.0 / (1.0 + math.exp(-(s[a] - s[b])))


def fit_bradley_terry(
    comparisons: Sequence[Comparison], *, players: Sequence[str] | None = None,
    first_position: bool = False, prior: float = DEFAULT_PRIOR,
) -> BTFit:
    """Fit BT to named comparisons. ``players`` fixes the order/set (default: first seen)."""
    names = list(players) if players is not None else list(dict.fromkeys(n for c in comparisons for n in (c.a, c.b)))
    index = {name: k for k, name in enumerate(names)}
    data = PairData.from_outcomes(len(names), comparison_outcomes(comparisons, index))
    theta, eta, _, converged, it = newton_fit(data, first_position=first_position, prior=prior)
    return BTFit(
        players=names, logits=theta.tolist(), first_position_logit=eta, prior=prior,
        converged=converged, iterations=it, n_comparisons=len(comparisons),
    )


def laplace_covariance(hessian: np.ndarray, n: int) -> np.ndarray:
    """Covariance of the logits under the Laplace (Gaussian) approximation at the fit.

    The inverse Hessian of the penalised negative log-likelihood; the gauge term only adds
    variance along the all-ones direction, which no difference between logits sees.
    """
    try:
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(hessian)
    return cov[:n, :n]
