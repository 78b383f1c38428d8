"""The IVF index behind large embedding pools: consistent per query, close to exact search."""

from __future__ import annotations

import numpy as np

from taskladder.demos.ann import VectorIndex


def clustered(n: int, dim: int = 32, centres: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((centres, dim)).astype(np.float32)
    rows = base[rng.integers(0, centres, n)] + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_small_matrices_are_scored_exactly():
    m = clustered(500)
    index = VectorIndex(m)
    assert not index.approximate
    q = m[:3]
    np.testing.assert_allclose(np.stack(index.scores(q)), q @ m.T, rtol=1e-5, atol=1e-5)


def test_ivf_finds_most_exact_neighbours_and_scores_read_rows_exactly():
    m = clustered(6000)
    index = VectorIndex(m, ann_min_rows=0, seed=1)
    assert index.approximate and index.n_probe < len(index.bounds) - 1
    queries = clustered(50, seed=2)
    recall = []
    for q, scores in zip(queries, index.scores(queries)):
        exact = m @ q
        read = np.isfinite(scores)
        assert 0 < read.sum() < len(m)  # only some cells are read
        np.testing.assert_allclose(scores[read], exact[read], rtol=1e-5, atol=1e-5)
        top = set(np.argsort(-exact)[:8].tolist())
        recall.append(len(top & set(np.argsort(-scores)[:8].tolist())) / 8)
    assert np.mean(recall) > 0.9


def test_a_querys_scores_do_not_depend_on_its_batch():
    m = clustered(4000)
    index = VectorIndex(m, ann_min_rows=0)
    queries = clustered(10, seed=3)
    alone = [index.scores(q[None, :])[0] for q in queries]
    together = index.scores(queries)
    for a, b in zip(alone, together):
        assert np.array_equal(a, b)
