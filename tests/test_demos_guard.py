"""The leakage guard holds for every strategy: never the query, its id, or a copy of its input."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from taskladder.demos import STRATEGIES, filter_leaks, make_selector
from taskladder.task import Example

WORDS = "card top up lost arrived refund transfer pin cash atm fee balance account phone".split()


def hashed_embed(texts: list[str]) -> np.ndarray:
    """A deterministic bag-of-words embedding (stands in for the sentence model)."""
    out = np.zeros((len(texts), 1024), dtype=np.float32)
    for r, text in enumerate(texts):
        for word in text.lower().split():
            out[r, zlib.crc32(word.encode()) % 1024] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def make_pool(n=60, seed=0):
    rng = np.random.default_rng(seed)
    pool = []
    for i in range(n):
        words = rng.choice(WORDS, size=5)
        pool.append(Example(id=f"p{i}", inputs={"text": " ".join(words)}, outputs={"label": f"L{i % 4}"}))
    return pool


def selector(strategy, k, seed=0):
    opts = {"embed_fn": hashed_embed} if strategy in ("embedding", "mmr", "fusion") else {}
    return make_selector(strategy, k, seed, **opts)


ALL = sorted(STRATEGIES)
MMR_BM25 = "mmr-bm25"


def build(strategy, k, pool, seed=0):
    if strategy == MMR_BM25:
        return make_selector("mmr", k, seed, backend="bm25").fit(pool)
    return selector(strategy, k, seed).fit(pool)


@pytest.mark.parametrize("strategy", ALL + [MMR_BM25])
def test_never_returns_query_its_id_or_its_duplicate_text(strategy):
    pool = make_pool()
    query = pool[7]
    twin = Example(id="twin", inputs={"text": "  " + query.inputs["text"].upper() + " "}, outputs={"label": "L9"})
    same_id = Example(id=query.id, inputs={"text": "totally different words here"}, outputs={"label": "L1"})
    pool = pool + [twin, same_id]
    sel = build(strategy, len(pool), pool)
    for picked in (sel.select(query), sel.ranked(query), sel.select_many([query, pool[3]])[0]):
        ids = [e.id for e in picked]
        assert query.id not in ids and "twin" not in ids
        assert all(e.input_text().strip().lower() != query.input_text().lower() for e in picked)
    # All the rest are still available: the guard removes leaks only.
    assert len(sel.ranked(query)) == len(pool) - 3
    # An outside query whose text equals a pool row is guarded too.
    outsider = Example(id="new", inputs={"text": pool[3].inputs["text"]}, outputs={})
    assert pool[3].id not in [e.id for e in sel.ranked(outsider)]


@pytest.mark.parametrize("strategy", ALL + [MMR_BM25])
def test_k_demos_distinct_and_deterministic(strategy):
    pool = make_pool()
    a = build(strategy, 5, pool, seed=3)
    b = build(strategy, 5, pool, seed=3)
    for q in pool[:5]:
        picked = a.select(q)
        assert len(picked) == 5
        assert len({e.input_text() for e in picked}) == 5
        assert [e.id for e in picked] == [e.id for e in b.select(q)]
    assert [[e.id for e in s] for s in a.select_many(pool[:5])] == [[e.id for e in a.select(q)] for q in pool[:5]]


def test_filter_leaks_keeps_order_and_drops_copies():
    pool = make_pool(10)
    query = pool[2]
    dup = Example(id="dup", inputs={"text": query.inputs["text"]}, outputs={})
    kept = filter_leaks(query, [pool[5], dup, pool[2], pool[1], pool[5]])
    assert [e.id for e in kept] == [pool[5].id, pool[1].id]


def test_unknown_strategy_and_option_are_config_errors():
    from taskladder.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown demo strategy"):
        make_selector("nearest", 3)
    with pytest.raises(ConfigError, match="no option lamda"):
        make_selector("mmr", 3, lamda=0.3)
    with pytest.raises(ConfigError):
        make_selector("bm25", -1)
