"""Demo-selection latency from a 100,000-example pool with a prebuilt index.

Target: <= 5 ms per query for BM25 and for embeddings (k = 8).

Pool: 100,000 synthetic messages, each two Banking77 training messages joined (seeded), so
the vocabulary and lengths are real. Queries: 200 Banking77 test messages.
Embeddings: the pool matrix is SYNTHETIC (random, L2-normalised, 384-dim, the shape of
all-MiniLM-L6-v2) because embedding 100k texts with the model takes too long on this
machine; the queries are embedded for real with all-MiniLM-L6-v2 and that cost is reported
separately from the lookup (the lookup reads the real query vectors from memory).
Peers measured in the same run: scikit-learn TF-IDF (sparse dot + argpartition) for BM25;
numpy matvec + full argsort, and scikit-learn NearestNeighbors (brute cosine), for embeddings.
"select()" is one query per call; "select_many()" is the amortised cost per query of one
batched call (query embeddings and pool scores computed as one matrix product).

Run: python benchmarks/bench_demo_selection.py   (needs ../shared/data/banking77)
"""

from __future__ import annotations

import csv
import gc
import logging
import os
import statistics
import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
from _timing import batched_ms, latencies, target_row, timed  # benchmarks/ is sys.path[0]

POOL_SIZE = 100_000
N_QUERIES = 200

K = 8
DIM = 384
TARGET_MS = 5.0
DATA = Path(os.environ.get("TASKLADDER_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def row(name: str, ms: list[float], peer: list[float] | None = None) -> None:
    target_row(name, ms, TARGET_MS, peer)


def read_texts(name: str) -> list[tuple[str, str]]:
    with open(DATA / "banking77" / name, newline="", encoding="utf-8") as f:
        return [(r["text"], r["category"]) for r in csv.DictReader(f)]


def build_pool():
    from taskladder.task import Example

    train = read_texts("train.csv")
    rng = np.random.default_rng(0)
    a = rng.integers(0, len(train), POOL_SIZE)
    b = rng.integers(0, len(train), POOL_SIZE)
    pool = [
        Example(id=f"p{i}", inputs={"text": f"{train[x][0]} {train[y][0]}"}, outputs={"category": train[x][1]})
        for i, (x, y) in enumerate(zip(a.tolist(), b.tolist()))
    ]
    test = read_texts("test.csv")[:N_QUERIES]
    queries = [Example(id=f"q{i}", inputs={"text": t}, outputs={"category": c}) for i, (t, c) in enumerate(test)]
    return pool, queries




def peak_mb(fn) -> tuple[float, float]:
    """(peak, retained) traced MB while building with ``fn`` (a second build, for memory)."""
    gc.collect()
    tracemalloc.start()
    kept = fn()
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return peak / 2**20, retained / 2**20








def bench_bm25(pool, queries) -> None:
    from taskladder.demos import make_selector

    print(f"\nBM25 (bm25s), pool {len(pool):,}, k={K}")
    selector, build_s = timed(lambda: make_selector("bm25", K).fit(pool))
    peak, kept = peak_mb(lambda: make_selector("bm25", K).fit(pool))
    print(f"  index build {build_s:6.1f} s   memory (tracemalloc) peak {peak:7.1f} MB, retained {kept:7.1f} MB")
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [e.input_text() for e in pool]
    vec = TfidfVectorizer()
    matrix, peer_build = timed(lambda: vec.fit_transform(texts).tocsr())
    print(f"  peer TF-IDF build {peer_build:6.1f} s")

    def tfidf(example):
        scores = (matrix @ vec.transform([example.input_text()]).T).toarray().ravel()
        top = np.argpartition(-scores, K)[:K]
        return top[np.argsort(-scores[top])]

    ms = latencies({"ours": selector.select, "peer": tfidf}, queries)
    ours, peer = ms["ours"], ms["peer"]
    row("taskladder bm25 select()", ours, peer)
    row("taskladder bm25 select_many() /query", batched_ms(selector.select_many, queries), peer)
    row("peer sklearn TF-IDF top-k", peer)
    same = np.mean([selector.select(q)[-1].outputs == q.outputs for q in queries])
    print(f"  sanity: nearest demo shares the query's intent in {same:.0%} of queries")


def bench_embeddings(pool, queries) -> None:
    from taskladder.demos import make_selector
    from taskladder.embeddings import embed_texts

    print(f"\nEmbeddings, pool {len(pool):,} x {DIM}, k={K}")
    # The pool matrix: real MiniLM embeddings of the 10,003 Banking77 training messages, each
    # repeated ~10 times with small noise (embedding 100k texts here would take too long).
    # Real vectors matter: they cluster like real pools do, which the IVF index relies on.
    rng = np.random.default_rng(0)
    train_texts = [t for t, _ in read_texts("train.csv")]
    base, base_s = timed(lambda: embed_texts(train_texts))
    print(f"  embedded {len(train_texts):,} real training messages in {base_s:5.1f} s (cached after the first run)")
    matrix = base[rng.integers(0, len(base), len(pool))] + rng.normal(0, 0.02, (len(pool), DIM)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)

    texts = [q.input_text() for q in queries]
    with tempfile.TemporaryDirectory() as home:
        os.environ["TASKLADDER_HOME"] = home  # a cold cache: every query really goes through the model
        _, load_s = timed(lambda: embed_texts(["warm up the model"]))
        vectors, batch_s = timed(lambda: embed_texts(texts))
        one = latencies({"one": lambda t: embed_texts([t + " (single)"])}, texts[:50])["one"]
    print(f"  real query embedding (all-MiniLM-L6-v2, CPU): model load {load_s:5.1f} s; "
          f"batch of {len(texts)}: {batch_s * 1000 / len(texts):5.2f} ms/query; one at a time: "
          f"median {statistics.median(one):5.2f} ms/query (incl. cache write)")
    lookup = {t: v for t, v in zip(texts, vectors)}

    def from_memory(batch):  # the real query vectors, so select() measures the lookup only
        return np.stack([lookup[t] for t in batch])

    make = lambda strategy: make_selector(strategy, K, embed_fn=from_memory)  # noqa: E731
    selector, build_s = timed(lambda: make("embedding").fit(pool, embeddings=matrix))
    peak, kept = peak_mb(lambda: make("embedding").fit(pool, embeddings=matrix))
    print(f"  index build {build_s:6.2f} s (matrix given)   memory (tracemalloc) peak {peak:7.1f} MB, "
          f"retained {kept:7.1f} MB")
    mmr = make("mmr").fit(pool, embeddings=matrix)

    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=K, algorithm="brute", metric="cosine").fit(matrix)
    ms = latencies(
        {
            "ours": selector.select,
            "mmr": mmr.select,
            "naive": lambda q: np.argsort(-(matrix @ lookup[q.input_text()]))[:K],
            "sklearn": lambda q: nn.kneighbors(lookup[q.input_text()][None, :]),
        },
        queries,
    )
    ours, ours_mmr, naive, peer = ms["ours"], ms["mmr"], ms["naive"], ms["sklearn"]
    row("taskladder embedding select()", ours, naive)
    row("taskladder embedding select_many() /q", batched_ms(selector.select_many, queries), naive)
    row("taskladder mmr select() (lambda .5)", ours_mmr, naive)
    row("taskladder mmr select_many() /query", batched_ms(mmr.select_many, queries), naive)
    row("peer numpy matvec + full argsort", naive)
    row("peer sklearn NearestNeighbors brute", peer)
    # The IVF index is approximate: how many of the exact k nearest does select() return?
    exact = [set(np.argsort(-(matrix @ lookup[q.input_text()]))[:K].tolist()) for q in queries]
    position = {id(e): i for i, e in enumerate(selector.pool)}
    got = [{position[id(d)] for d in selector.select(q)} for q in queries]
    recall = np.mean([len(g & e) / K for g, e in zip(got, exact)])
    print(f"  IVF recall@{K} against exact search: {recall:.3f} "
          f"({selector.index.n_probe} of {len(selector.index.bounds) - 1} cells read per query)")
    # The pool above repeats each real vector ~10 times, which makes neighbours easy to find.
    # A harder check: the 10,003 real training vectors alone, IVF forced on, real test queries.
    from taskladder.demos.ann import VectorIndex

    ivf = VectorIndex(base, ann_min_rows=0)
    truth = [set(np.argsort(-(base @ v))[:K].tolist()) for v in vectors]
    found = [set(np.argsort(-s)[:K].tolist()) for s in ivf.scores(vectors)]
    print(f"  IVF recall@{K} on the 10,003 real vectors alone: "
          f"{np.mean([len(f & t) / K for f, t in zip(found, truth)]):.3f} "
          f"({ivf.n_probe} of {len(ivf.bounds) - 1} cells read)")


def bench_packing() -> None:
    """pack_demos over all 10,003 Banking77 training rows as candidates (not a 5 ms target)."""
    from taskladder.prompt import count_message_tokens, pack_demos, render_messages
    from taskladder.task import Example, TaskSpec

    rows = read_texts("train.csv")
    spec = TaskSpec(name="banking77", inputs=["text"], data={"file": "train.csv"},
                    outputs={"category": {"type": "label", "labels": sorted({c for _, c in rows})}})
    cands = [Example(id=str(i), inputs={"text": t}, outputs={"category": c}) for i, (t, c) in enumerate(rows)]
    query = Example(id="q", inputs={"text": "my card has still not arrived"}, outputs={})
    model = "gpt-4o-mini"
    count_message_tokens([{"role": "user", "content": "warm up"}], model)  # litellm import, once
    print(f"\npack_demos, {len(cands):,} candidates, model {model}")
    for budget in (8_000, 128_000):
        kept, secs = timed(lambda b=budget: pack_demos(spec, query, cands, model=model, context_tokens=b))
        messages = render_messages(spec, query, kept)
        used, once = timed(lambda m=messages: count_message_tokens(m, model))
        print(f"  budget {budget:>7,}: {len(kept):>5,} demos, {used:>7,} prompt tokens, packed in "
              f"{secs * 1000:6.0f} ms; peer: one exact litellm count of that prompt {once * 1000:6.1f} ms "
              f"(x{secs / once:.1f})")


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    import bm25s  # noqa: F401  (imported first: it sets its logger to DEBUG at import)

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    if not (DATA / "banking77" / "train.csv").exists():
        print(f"needs {DATA}/banking77 (the shared datasets beside the checkout)")
        return 1
    pool, queries = build_pool()
    print(f"pool {len(pool):,} synthetic Banking77 pairs; {len(queries)} real test queries; cores {os.cpu_count()}")
    bench_bm25(pool, queries)
    bench_embeddings(pool, queries)
    bench_packing()
    return 0


if __name__ == "__main__":
    sys.exit(main())
