"""optimize searches how nearest-neighbour demos are found, not only how many: bm25 and sentence
embeddings (when the embed extra is installed), each at every size, so a task whose same-intent
rows share few words gets embedding-chosen demos.

The task model is scripted to copy the last demo's answer (what a tiny model like SmolLM2-135M
mostly does with kNN demos); every row's cue word is unique (``invoice17``), so BM25 finds no
neighbour that shares it, while the stubbed embedding maps a cue to its team and finds rows of
the same team.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import write_task
from test_optimize import CUE_LABEL, CUES, PRICE

from taskladder.errors import ConfigError
from taskladder.models.config import ModelConfig
from taskladder.optimize import OptimizeOptions, demosets, optimize
from taskladder.optimize.demosets import knn_sets, nearest_strategies
from taskladder.store import Store
from taskladder.task import load_task

TEAMS = sorted(CUES)


def copy_last(messages: list[dict]) -> str:
    demos = messages[1:-1]
    return demos[-1]["content"] if demos else "billing"


MODELS = {
    "copier": ModelConfig(
        name="copier", model="scripted", script={"callable": "test_optimize_knn:copy_last"}, price=PRICE
    )
}


def team_embedding(texts: list[str], *a, **kw) -> np.ndarray:
    """One axis per team, set by the text's cue word (digits stripped), plus a small per-text part."""
    out = np.zeros((len(texts), len(TEAMS) + 1), dtype=np.float32)
    for i, text in enumerate(texts):
        cue = next((w for w in re.findall(r"[a-z]+", text.lower()) if w in CUE_LABEL), None)
        if cue:
            out[i, TEAMS.index(CUE_LABEL[cue])] = 1.0
        out[i, -1] = 0.1 * (len(text) % 7)
    return out


@pytest.fixture
def task(tmp_path):
    rows = []
    for i in range(96):
        label = TEAMS[i % 3]
        rows.append({"id": f"r{i}", "text": f"hello about the {CUES[label][(i // 3) % 8]}{i} thing", "label": label})
    return load_task(
        write_task(tmp_path / "task", rows, name="unique-cues", split={"dev": 0.25, "test": 0.25, "seed": 0})
    )


def test_default_strategies_add_embedding_only_when_the_embed_extra_is_installed(monkeypatch):
    monkeypatch.setattr(demosets, "embed_extra_missing", lambda: [])
    assert nearest_strategies(OptimizeOptions()) == ["bm25", "embedding", "fusion"]
    monkeypatch.setattr(demosets, "embed_extra_missing", lambda: ["torch"])
    assert nearest_strategies(OptimizeOptions()) == ["bm25"]
    # Asked-for strategies are used as given (deduplicated), each at every size, bm25 at ``shots`` first.
    options = OptimizeOptions(shots=4, knn_sizes=[8, 4], knn_strategies=["bm25", "mmr", "bm25"], vote_last=False)
    assert [(s.strategy, s.k) for s in knn_sets(options)] == [("bm25", 4), ("bm25", 8), ("mmr", 4), ("mmr", 8)]
    with pytest.raises(ConfigError, match="stratified"):
        nearest_strategies(OptimizeOptions(knn_strategies=["stratified"]))


def test_search_picks_embedding_demos_when_they_beat_bm25(task, tmp_path, monkeypatch):
    import taskladder.embeddings as emb

    monkeypatch.setattr(emb, "embed_texts", team_embedding)
    options = OptimizeOptions(
        rounds=1,
        proposals=0,
        minibatch=8,
        shots=3,
        demo_seeds=1,
        rationales=False,
        knn_strategies=["bm25", "embedding"],
    )
    out = optimize(
        task, "copier", budget_usd=100.0, models=MODELS, store=Store(tmp_path / "s.db"), options=options
    ).as_json()
    scores = {p["candidate"]: p["score"] for p in out["trajectory"] if p["kind"] == "evaluate"}
    assert {"nearest (bm25) demos k=3", "nearest (embedding) demos k=3"} <= set(scores)
    assert out["best"]["demos"]["strategy"] == "embedding"
    assert out["best"]["dev_score"] == 1.0  # every embedding neighbour is of the input's team
    assert scores["nearest (bm25) demos k=3"] < 0.9  # no shared cue: bm25's neighbours are near-random
    assert out["test"]["score"] == 1.0
    # The chosen spec saves the strategy, so a rerun draws the same demos.
    assert (out["pipeline"]["demos"]["strategy"], out["pipeline"]["demos"]["k"]) == ("embedding", 3)
