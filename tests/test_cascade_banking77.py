"""A cascade from baseline/embed-lr (and tfidf-lr) to a scripted LLM on a Banking77 subset (real data)."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter

import pytest
import yaml
from conftest import shared_path

from taskladder.cascade import cascade_rung
from taskladder.models.config import ModelConfig
from taskladder.pipeline import PipelineSpec
from taskladder.task import load_task

pytestmark = pytest.mark.shared_data

INTENTS = 20
TRAIN, DEV = 10, 10  # per intent: few training rows, so the cheap tier is clearly beatable
GOLD: dict[str, str] = {}
LABELS: list[str] = []
CALLS: Counter = Counter()


def oracle(messages):
    """A strong model that is right on ~97% of messages (a fixed, hash-chosen 3% it gets wrong)."""
    text = messages[-1]["content"]
    CALLS[text] += 1
    gold = GOLD[text]
    if int(hashlib.sha256(text.encode()).hexdigest(), 16) % 33 == 0:
        return LABELS[(LABELS.index(gold) + 1) % len(LABELS)]
    return gold


def _rows(path, keep):
    with open(path, encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["category"] in keep]


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    folder = tmp_path_factory.mktemp("b77")
    source = shared_path("banking77")
    with open(source / "train.csv", encoding="utf-8") as fh:
        keep = sorted({r["category"] for r in csv.DictReader(fh)})[:INTENTS]
    train, test = _rows(source / "train.csv", keep), _rows(source / "test.csv", keep)
    per: Counter = Counter()
    parts: dict[str, list] = {"train": [], "dev": []}
    for r in train:  # in file order
        per[r["category"]] += 1
        if per[r["category"]] <= TRAIN:
            parts["train"].append(r)
        elif per[r["category"]] <= TRAIN + DEV:
            parts["dev"].append(r)
    parts["test"] = test
    for name, rows in parts.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=["text", "category"])
            w.writeheader()
            w.writerows({"text": r["text"], "category": r["category"]} for r in rows)
        GOLD.update((r["text"].strip(), r["category"]) for r in rows)
    LABELS[:] = keep
    (folder / "task.yaml").write_text(yaml.safe_dump({
        "name": "b77-subset", "instructions": "Classify the banking message into one intent.", "inputs": ["text"],
        "outputs": {"category": "label"}, "metric": "accuracy",
        "data": {"train": "train.csv", "dev": "dev.csv", "test": "test.csv"}}))
    return load_task(folder / "task.yaml")


@pytest.mark.parametrize("cheap", ["baseline/embed-lr", "baseline/tfidf-lr"])
def test_cascade_matches_the_strong_tier_for_less_and_pays_only_for_escalations(task, cheap):
    models = {"oracle": ModelConfig(name="oracle", model="scripted", script={"callable": "test_cascade_banking77:oracle"},
                                    price={"input_per_mtok": 2.5, "output_per_mtok": 10.0})}
    CALLS.clear()
    r = cascade_rung(task, cheap, PipelineSpec(model="oracle"), models, confirm_split="test")
    assert r.n == len(task.dev) == DEV * INTENTS and r.signal == "probability"
    first, last = r.curve[0], r.curve[-1]
    assert first.share_escalated == 0 and first.score == pytest.approx(r.cheap_alone["score"])
    assert last.share_escalated == 1 and last.score == pytest.approx(r.strong_alone["score"])
    assert r.strong_alone["score"] > r.cheap_alone["score"]  # worth escalating at all
    # the default target is the strong tier's own dev score, reached while escalating only part of dev
    assert r.target == pytest.approx(r.strong_alone["score"]) and r.target_reached and r.score >= r.target - 1e-9
    assert 0 < r.share_escalated < 1 and r.saving_vs_strong == pytest.approx(1 - r.cost_per_1k_calls /
                                                                            r.strong_alone["cost_per_1k_calls"])
    assert r.cost_per_1k_calls < r.strong_alone["cost_per_1k_calls"] and r.pays
    # on test the LLM is called once per escalated message, never for the rest
    test_texts = {e.inputs["text"] for e in task.test}
    test_calls = sum(n for t, n in CALLS.items() if t in test_texts)
    assert test_calls == round(r.test["share_escalated"] * r.test["n"]) and r.test["calls"] == test_calls
    assert 0 < r.test["cost_per_1k_calls"] < r.strong_alone["cost_per_1k_calls"]
