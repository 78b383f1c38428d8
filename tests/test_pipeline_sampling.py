"""Consensus sampling inside a pipeline: n cached samples, majority vote, margin as confidence."""

from __future__ import annotations

import itertools

from helpers import sentiment_rows, write_task

from taskladder.ladder import LadderOptions, climb
from taskladder.models.config import ModelConfig
from taskladder.models.llm import CallResult
from taskladder.pipeline import PipelineSpec, SamplingSpec
from taskladder.runner import evaluate
from taskladder.store import Store
from taskladder.task import load_task


class CyclingClient:
    """Answers from a fixed cycle, so a vote has a known outcome; records temperatures."""

    def __init__(self, answers):
        self.answers = itertools.cycle(answers)
        self.temperatures = []

    async def complete(self, messages, params):
        self.temperatures.append(params.get("temperature"))
        return CallResult(texts=[next(self.answers)], input_tokens=10, output_tokens=1)


def test_majority_vote_with_margin_and_cached_replay(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(8), split={"dev": 0.5, "test": 0, "seed": 0}))
    spec = PipelineSpec(model="m", sampling=SamplingSpec(n=5, temperature=0.9))
    models = {"m": ModelConfig(name="m", model="openai/m", price={"input_per_mtok": 1, "output_per_mtok": 1})}
    client = CyclingClient(["pos", "neg", "pos", "pos", "neg"])
    store = Store()
    first = evaluate(task, spec, models=models, store=store, client=client, progress=False)
    assert all(r.prediction == {"label": "pos"} for r in first.records)
    assert all(abs(r.confidence - 0.2) < 1e-9 for r in first.records)  # (3 - 2) / 5
    assert first.summary["calls"] == 5 * len(task.dev) and set(client.temperatures) == {0.9}
    again = evaluate(task, spec, models=models, store=store, client=CyclingClient(["neg"]), progress=False)
    assert again.summary["calls"] == 0 and again.summary["cached_calls"] == 5 * len(task.dev)
    assert [r.prediction for r in again.records] == [r.prediction for r in first.records]


def test_climb_ends_with_a_consensus_rung_of_the_best_pipeline(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(120)))
    models = {"bot": ModelConfig(name="bot", model="scripted", script={"callable": "helpers:sentiment_responder"})}
    result = climb(task, ["bot"], models, baselines=[], progress=False, confirm_on_test=False,
                   options=LadderOptions(shots=4, rungs=("zero-shot", "knn-shots", "consensus")))
    rungs = {r.rung: r for r in result.rungs}
    assert rungs["knn-shots"].score > rungs["zero-shot"].score  # demos fix the scripted model's blind spot
    rung = rungs["consensus"]
    assert rung.status == "ran" and rung.pipeline["sampling"]["n"] == 5
    assert rung.pipeline["demos"]["strategy"] == "bm25"  # built on the better knn-shots rung


def test_best_of_n_with_a_pairwise_judge_beats_the_vote(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(24), split={"dev": 0.5, "test": 0, "seed": 0}))
    models = {"m": ModelConfig(name="m", model="openai/m", price={"input_per_mtok": 1, "output_per_mtok": 1}),
              "judge": ModelConfig(name="judge", model="scripted", script={"callable": "helpers:sentiment_judge"},
                                   price={"input_per_mtok": 2, "output_per_mtok": 2})}
    # Two of every three samples say "neg", so the vote mostly says neg; the judge knows better.
    vote = evaluate(task, PipelineSpec(model="m", sampling=SamplingSpec(n=3)), models=models, store=Store(),
                    client=CyclingClient(["pos", "neg", "neg"]), progress=False)
    judged = evaluate(task, PipelineSpec(model="m", sampling=SamplingSpec(n=3, select="judge", judge="judge")),
                      models=models, store=Store(), client=CyclingClient(["pos", "neg", "neg"]), progress=False)
    assert judged.summary["score"] == 1.0 and vote.summary["score"] < 0.75
    record = judged.records[0]
    assert record.trace["best_of_n"]["judge_calls"] > 0
    # every record's calls (new or cached) = 3 samples + its judge calls; the judge's price is in the cost
    assert record.calls + record.cached_calls == 3 + record.trace["best_of_n"]["judge_calls"]
    assert judged.summary["cost_usd"] > vote.summary["cost_usd"]


def test_choice_shuffle_cancels_a_position_bias(tmp_path):
    import json

    import yaml

    fruits, others = ["apple", "pear", "plum", "cherry"], ["car", "rock", "chair", "cloud", "spoon", "brick"]
    rows = []
    for i in range(24):
        options = [others[(i + k) % 6] for k in range(3)]
        options.insert(2 + i % 2, fruits[i % 4])  # the fruit sits in slot C or D: the biased model misses it
        rows.append({"id": f"q{i}", "question": "Which one is a fruit?", "options": json.dumps(options),
                     "answer": "CD"[i % 2]})
    path = write_task(tmp_path / "t", rows, inputs=["question", "options"], outputs={"answer": "label"},
                      split={"dev": 0.5, "test": 0, "seed": 0})
    spec = yaml.safe_load(path.read_text())
    spec["outputs"] = {"answer": {"type": "label", "labels": ["A", "B", "C", "D"]}}
    path.write_text(yaml.safe_dump(spec))
    task = load_task(path)
    models = {"mc": ModelConfig(name="mc", model="scripted", script={"callable": "helpers:position_biased_chooser"})}
    plain = evaluate(task, PipelineSpec(model="mc", sampling=SamplingSpec(n=7)), models=models, progress=False)
    shuffled = evaluate(task, PipelineSpec(model="mc", sampling=SamplingSpec(n=7, shuffle_choices="options")),
                        models=models, progress=False)
    assert plain.summary["score"] == 0.0  # always "A": never the fruit in C or D
    assert shuffled.summary["score"] >= 0.6  # shown in A/B in about half the samples, mapped back, voted
