"""Two more dimensions of optimize's demo search: the demos' order (vote-last: the answer most
neighbours share sits nearest the input) and a fused retriever (BM25 and embeddings,
reciprocal-rank fusion).

The task model is scripted to copy the last demo's answer (what SmolLM2-135M mostly does with
kNN demos). In the decoy task every ticket shares a rare word with one ticket of another team,
so BM25's single nearest row is of the wrong team whenever that partner is in train, while the
next rows (same cue word) are of the right team: only the order decides.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import write_task
from test_optimize_knn import MODELS

from taskladder.demos import make_selector
from taskladder.demos.order import ordered, vote_last
from taskladder.optimize import OptimizeOptions, demosets, optimize
from taskladder.optimize.demosets import knn_sets
from taskladder.pipeline import DemoSpec, PipelineSpec, load_pipeline
from taskladder.runner import evaluate
from taskladder.store import Store
from taskladder.task import Example, load_task

TEAMS = ("billing", "shipping", "login")
CUE = {"billing": "invoice", "shipping": "parcel", "login": "password"}


def ex(i: int, label: str, text: str = "") -> Example:
    return Example(id=f"d{i}", inputs={"text": text or f"t{i}"}, outputs={"label": label})


def test_vote_last_puts_the_answer_most_neighbours_share_nearest_the_input():
    # Most similar last: "b" is the single nearest, but "a" holds ranks 2, 3 and 5 (1/2+1/3+1/5 > 1).
    demos = [ex(0, "c"), ex(1, "a"), ex(2, "c"), ex(3, "a"), ex(4, "a"), ex(5, "b")]
    got = vote_last(demos)
    assert [d.outputs["label"] for d in got] == ["c", "c", "b", "a", "a", "a"]
    # The same demos, each group in its own similarity order (the most similar of a group last).
    assert [d.id for d in got] == ["d0", "d2", "d5", "d1", "d3", "d4"]
    assert ordered(demos, None) == demos
    # Equal votes: the group holding the more similar demo goes last.
    assert [d.id for d in vote_last([ex(0, "a"), ex(1, "b")])] == ["d0", "d1"]
    with pytest.raises(ValueError, match="vote-last"):
        ordered(demos, "shuffled")


def test_a_spec_without_an_order_keeps_its_digest():
    """The order is a new spec field: specs saved before it (None) keep their cache keys."""
    spec = PipelineSpec(model="m", demos=DemoSpec(strategy="bm25", k=4))
    assert "order" not in spec.canonical()["demos"]
    voted = PipelineSpec(model="m", demos=DemoSpec(strategy="bm25", k=4, order="vote-last"))
    assert voted.digest() != spec.digest()
    assert "vote-last" in voted.label()


def test_fusion_ranks_first_the_row_both_retrievers_rank_high():
    texts = ["alpha alpha beta", "delta", "alpha beta gamma", "omega one", "omega two", "omega three"]
    # Embedding: "delta" nearest the query, then "alpha beta gamma", the other rows, "alpha alpha beta" last.
    vectors = {
        "delta": [1.0, 0.0, 0.0],
        "alpha beta gamma": [0.9, 0.3, 0.0],
        "omega one": [0.5, 0.0, 0.8],
        "omega two": [0.4, 0.0, 0.9],
        "omega three": [0.3, 0.0, 0.95],
        "alpha alpha beta": [0.0, 0.0, 1.0],
        "alpha beta": [1.0, 0.1, 0.0],
    }

    def embed(batch: list[str]) -> np.ndarray:
        return np.asarray([vectors[t] for t in batch], dtype=np.float32)

    pool = [Example(id=f"p{i}", inputs={"text": t}, outputs={"label": "x"}) for i, t in enumerate(texts)]
    query = Example(id="q", inputs={"text": "alpha beta"}, outputs={})
    first = {
        s: make_selector(s, 3, 0, **({} if s == "bm25" else {"embed_fn": embed})).fit(pool).ranked(query, 1)[0]
        for s in ("bm25", "embedding", "fusion")
    }
    assert first["bm25"].inputs["text"] == "alpha alpha beta"
    assert first["embedding"].inputs["text"] == "delta"
    assert first["fusion"].inputs["text"] == "alpha beta gamma"  # second in both
    # Every pool row stays reachable: rows BM25 cannot rank follow in the embedding's order.
    assert len(make_selector("fusion", 6, 0, embed_fn=embed).fit(pool).ranked(query)) == 6


def decoy_rows(n: int = 96) -> list[dict]:
    rows = []
    for i in range(n):
        pair = i // 2
        label = TEAMS[(pair + i % 2) % 3]  # the two tickets of a pair belong to different teams
        rows.append({"id": f"r{i}", "text": f"my {CUE[label]} problem zq{pair}", "label": label})
    return rows


@pytest.fixture
def decoy(tmp_path):
    return load_task(
        write_task(tmp_path / "task", decoy_rows(), name="decoys", split={"dev": 0.25, "test": 0.25, "seed": 0})
    )


def test_search_picks_vote_last_when_the_nearest_row_misleads(decoy, tmp_path):
    store = Store(tmp_path / "s.db")
    options = OptimizeOptions(
        rounds=1, proposals=0, minibatch=8, shots=5, demo_seeds=0, rationales=False, knn_strategies=["bm25"]
    )
    out = optimize(decoy, "copier", budget_usd=100.0, models=MODELS, store=store, options=options).as_json()
    scores = {p["candidate"]: p["score"] for p in out["trajectory"] if p["kind"] == "evaluate"}
    assert scores["nearest (bm25) demos k=5"] < 0.8  # the decoy partner is the last demo when in train
    assert out["best"]["origin"] == "nearest (bm25) demos k=5, vote-last"
    assert out["best"]["dev_score"] == 1.0
    assert out["test"]["score"] == 1.0
    # The saved spec carries the order, so it reruns exactly: same score, every call from the cache.
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps(out["pipeline"]), encoding="utf-8")
    spec = load_pipeline(path)
    assert spec.demos is not None and spec.demos.order == "vote-last"
    rerun = evaluate(decoy, spec, split="test", models=MODELS, store=store, progress=False)
    assert rerun.run.summary.score == out["test"]["score"]
    assert (rerun.run.summary.calls or 0) == 0


def test_nearest_sets_cover_every_strategy_size_and_order(monkeypatch):
    monkeypatch.setattr(demosets, "embed_extra_missing", lambda: [])
    sets = knn_sets(OptimizeOptions(shots=4))
    assert [(s.strategy, s.k, s.order) for s in sets] == [
        ("bm25", 4, None),
        ("embedding", 4, None),
        ("fusion", 4, None),
        ("bm25", 4, "vote-last"),
        ("embedding", 4, "vote-last"),
        ("fusion", 4, "vote-last"),
    ]
    assert [s.order for s in knn_sets(OptimizeOptions(shots=4, vote_last=False))] == [None, None, None]
