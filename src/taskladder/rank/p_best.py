"""P(the current leader is the best), by the Laplace approximation.

Why Laplace and not bootstrap: best-of-N checks this after every round, and bootstrap
would refit hundreds of times per check. The Laplace approximation fits once, takes the
inverse Hessian of the penalised negative log-likelihood as the covariance of the logits,
and counts how often the leader is the top contestant in draws from that Gaussian. With few
battles the Gaussian is wide (the prior keeps it proper), so early stopping stays cautious.
"""

from __future__ import annotations

import numpy as np

from .bradley_terry import BEST_OF_N_PRIOR, PairData, laplace_covariance, newton_fit


def p_best_laplace(
    theta: np.ndarray, hessian: np.ndarray, *, leader: int | None = None, draws: int = 2000,
    rng: np.random.Generator | None = None,
) -> float:
    """Share of Gaussian draws N(theta, H^-1) in which ``leader`` (default argmax) is the top."""
    n = len(theta)
    if n < 2:
        return 1.0
    leader = int(np.argmax(theta)) if leader is None else leader
    cov = laplace_covariance(hessian, n)
    cov = 0.5 * (cov + cov.T) + 1e-12 * np.eye(n)
    rng = rng or np.random.default_rng(0)
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(cov)
        chol = vecs * np.sqrt(np.clip(vals, 0.0, None))
    samples = theta + rng.standard_normal((draws, n)) @ chol.T
    return float(np.mean(np.argmax(samples, axis=1) == leader))


def fit_and_p_best(
    data: PairData, *, first_position: bool = True, prior: float = BEST_OF_N_PRIOR, draws: int = 2000,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, int, float]:
    """Fit BT, return (centred logits, leader index, P(leader is best))."""
    theta, _, hess, _, _ = newton_fit(data, first_position=first_position, prior=prior)
    leader = int(np.argmax(theta))
    return theta, leader, p_best_laplace(theta, hess, leader=leader, draws=draws, rng=rng)
