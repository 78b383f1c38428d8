"""Retrieval (RAG) latency per query over 100,000 chunks with a prebuilt index, index build
time, and recall@4 on the manual-QA example.

Target: <= 5 ms per query (the target used for demo selection), k = 4.

Corpus: 100,000 SYNTHETIC chunks of 100 words each, drawn from a Zipf distribution over a
50,000-word made-up vocabulary (so postings lists have realistic skew). Queries: 200 runs of
6 consecutive words cut from random chunks (the source chunk is known, a sanity check).
Embeddings: the 100k x 384 chunk matrix is SYNTHETIC (random, L2-normalised, the shape of
all-MiniLM-L6-v2): embedding 100k chunks with the real model on this CPU takes far too long
(the real throughput is measured on a sample below and printed). Query vectors are read from
memory, so search() measures the lookup only; the real per-query embedding cost is printed
separately.
Peers measured in the same run: raw ``bm25s.BM25.retrieve`` on the same token ids (our wrapper
vs the library underneath) for BM25; numpy matvec + full argsort for embeddings.
"search()" is one query per call; "search_many()" is the amortised cost per query of one
batched call. Up to 32,768 chunks the embedding scores use numpy's einsum loop (no BLAS
threads to wake per call), above it BLAS; the 10,000-chunk line shows the einsum path.

Run: python benchmarks/bench_retrieval.py
"""

from __future__ import annotations

import logging
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from _timing import batched_ms, latencies, target_row, timed  # benchmarks/ is sys.path[0]

N_CHUNKS = 100_000
WORDS_PER_CHUNK = 100
VOCAB = 50_000
N_QUERIES = 200

K = 4
DIM = 384
TARGET_MS = 5.0
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "manual_qa" / "task.yaml"


def row(name: str, ms: list[float], peer: list[float] | None = None) -> None:
    target_row(name, ms, TARGET_MS, peer)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB




def synthetic_corpus():
    from taskladder.retrieval import Chunk

    rng = np.random.default_rng(0)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "po", "an", "el", "or", "ush", "ik"]
    vocab, seen = [], set()
    while len(vocab) < VOCAB:
        word = "".join(rng.choice(syllables, size=int(rng.integers(2, 5))))
        if word not in seen:
            seen.add(word)
            vocab.append(word)
    ranks = np.arange(1, VOCAB + 1, dtype=np.float64)
    probs = ranks ** -1.07
    probs /= probs.sum()
    ids = rng.choice(VOCAB, size=(N_CHUNKS, WORDS_PER_CHUNK), p=probs)
    texts = [" ".join(vocab[i] for i in row) for row in ids]
    chunks = [Chunk(id=f"doc{i // 10}.md#{i % 10}", doc_id=f"doc{i // 10}.md", text=t, start=0, end=len(t))
              for i, t in enumerate(texts)]
    targets = rng.integers(0, N_CHUNKS, N_QUERIES)
    queries = []
    for t in targets.tolist():
        words = texts[t].split()
        start = int(rng.integers(0, WORDS_PER_CHUNK - 6))
        queries.append(" ".join(words[start : start + 6]))
    return chunks, queries, targets.tolist()








def bench_bm25(chunks, queries, targets) -> None:
    import bm25s

    from taskladder.retrieval import make_retriever

    print(f"\nBM25 (bm25s), {len(chunks):,} chunks x {WORDS_PER_CHUNK} words, k={K}")
    before = rss_mb()
    retriever, build_s = timed(lambda: make_retriever("bm25", k=K, cache=None).fit(chunks))
    print(f"  index build {build_s:6.1f} s  (tokenise + index; peak RSS grew {rss_mb() - before:6.0f} MB)")
    index = retriever.index
    assert index is not None
    peer = bm25s.BM25()
    _, peer_s = timed(lambda: peer.index(index.doc_ids, show_progress=False))
    print(f"  peer bm25s index on the same token ids {peer_s:6.1f} s")

    def raw(query):
        return peer.retrieve([index.query_ids(query)], k=K, show_progress=False)

    ms = latencies({"ours": retriever.search, "peer": raw}, queries)
    row("taskladder bm25 search()", ms["ours"], ms["peer"])
    row("taskladder bm25 search_many() /query", batched_ms(retriever.search_many, queries), ms["peer"])
    row("peer raw bm25s retrieve()", ms["peer"])
    hits = retriever.search_many(queries)
    found = np.mean([chunks[t].id in {h.chunk.id for h in hs} for t, hs in zip(targets, hits)])
    print(f"  sanity: the query's source chunk is in the top {K} for {found:.0%} of queries")


def bench_embeddings(chunks, queries, targets) -> None:
    from taskladder.embeddings import embed_texts
    from taskladder.retrieval import EmbeddingRetriever

    print(f"\nEmbeddings, {len(chunks):,} chunks x {DIM} (SYNTHETIC random unit vectors), k={K}")
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((len(chunks), DIM), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    # Query vectors near their source chunk's vector, so the sanity check means something.
    qvecs = matrix[targets] + 0.05 * rng.standard_normal((len(targets), DIM), dtype=np.float32)
    lookup = {q: v for q, v in zip(queries, qvecs)}

    def from_memory(texts):
        return np.stack([lookup[t] for t in texts])

    retriever, build_s = timed(lambda: EmbeddingRetriever(K, embed_fn=from_memory).fit_matrix(chunks, matrix))
    print(f"  index build {build_s:6.2f} s with the matrix given ({matrix.nbytes / 2**20:.0f} MB float32)")
    ms = latencies(
        {"ours": retriever.search, "naive": lambda q: np.argsort(-(matrix @ lookup[q]))[:K]},
        queries,
    )
    row("taskladder embedding search()", ms["ours"], ms["naive"])
    row("taskladder embedding search_many() /q", batched_ms(retriever.search_many, queries), ms["naive"])
    row("peer numpy matvec + full argsort", ms["naive"])
    hits = retriever.search_many(queries)
    found = np.mean([chunks[t].id == hs[0].chunk.id for t, hs in zip(targets, hits)])
    exact = [np.argsort(-(matrix @ lookup[q]))[:K] for q in queries]
    found_exact = np.mean([t == e[0] for t, e in zip(targets, exact)])
    recall = np.mean([len({chunks[i].id for i in e} & {h.chunk.id for h in hs}) / K for e, hs in zip(exact, hits)])
    print(f"  sanity: the query's source chunk ranks first for {found:.0%} of queries (exact search: {found_exact:.0%})")
    print(f"  IVF recall@{K} against exact search: {recall:.3f} -- random unit vectors have no clusters, the worst "
          "case for IVF; on real MiniLM vectors bench_demo_selection.py measures it")

    small = EmbeddingRetriever(K, embed_fn=from_memory).fit_matrix(chunks[:10_000], matrix[:10_000])
    row("search() over the first 10,000 chunks", latencies({"s": small.search}, queries)["s"])

    # Real model throughput, on real English: the manual's section chunks, made distinct.
    from taskladder.retrieval import chunk_documents, load_documents

    manual = chunk_documents(load_documents(["docs/"], EXAMPLE.parent), mode="sections")
    sample = [f"{c.display_text} (copy {i})" for i in range(4) for c in manual]
    with tempfile.TemporaryDirectory() as home:
        os.environ["TASKLADDER_HOME"] = home  # a cold cache: texts really go through the model
        _, load_s = timed(lambda: embed_texts(["warm up the model"]))
        _, chunk_s = timed(lambda: embed_texts(sample))
        one = latencies({"one": lambda q: embed_texts([q])}, queries[:30])["one"]
    rate = len(sample) / chunk_s
    print(f"  real all-MiniLM-L6-v2 on this CPU (measured on {len(sample)} manual chunks): model load "
          f"{load_s:4.1f} s; {rate:5.0f} chunks/s, i.e. ~{N_CHUNKS / rate / 60:3.0f} min for 100k chunks at that "
          f"rate (once: vectors are cached on disk); one query embedded {statistics.median(one):5.1f} ms median")


def bench_example() -> None:
    from taskladder.retrieval import build_retriever_for_task, retrieval_recall
    from taskladder.task import load_task

    task = load_task(EXAMPLE)
    rows = task.train + task.dev + task.test
    print(f"\nrecall@{K} on examples/manual_qa ({len(rows)} questions; gold = source section AND passage)")
    with tempfile.TemporaryDirectory() as home:
        os.environ["TASKLADDER_HOME"] = home
        for chunking in ("tokens", "sections"):
            for strategy in ("bm25", "embedding", "hybrid"):
                spec = {"strategy": strategy, "k": K, "chunking": chunking, "size": 200, "overlap": 40}
                retriever = build_retriever_for_task(task, spec)
                at_k = retrieval_recall(rows, retriever)
                at_1 = retrieval_recall(rows, retriever, k=1)
                print(f"  {chunking:<8} {strategy:<9} chunks {len(retriever.chunks):3d}   "
                      f"recall@{K} {at_k.recall:.3f}   recall@1 {at_1.recall:.3f}")


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    import bm25s  # noqa: F401  (imported first: it sets its logger to DEBUG at import)

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    (chunks, queries, targets), gen_s = timed(synthetic_corpus)
    print(f"{len(chunks):,} synthetic chunks generated in {gen_s:.1f} s; {len(queries)} queries; cores {os.cpu_count()}")
    bench_bm25(chunks, queries, targets)
    bench_embeddings(chunks, queries, targets)
    bench_example()
    return 0


if __name__ == "__main__":
    sys.exit(main())
