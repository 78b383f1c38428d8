"""Pipelines of every shape on small deterministic tasks, shared by the plan and call-key tests.

The call-key fixture (tests/fixtures/pipeline_call_keys.json) was written from these cases by
tests/fixtures/make_pipeline_call_keys.py with the code as it was before the pipeline was split
into stages; the same cases must still produce exactly those keys (a cache written then still hits).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from helpers import sentiment_rows, write_task

from taskladder.models.config import ModelConfig, load_models
from taskladder.pipeline import DemoSpec, PipelineSpec, SamplingSpec
from taskladder.task import Task, load_task

MANUAL_QA = Path(__file__).resolve().parents[1] / "examples" / "manual_qa"
BOT = ModelConfig(name="bot", model="scripted", script={"callable": "helpers:sentiment_responder"})

SENTIMENT_SPECS = {
    "zero-shot": PipelineSpec(model="bot"),
    "k-shot": PipelineSpec(model="bot", demos=DemoSpec(strategy="stratified", k=4)),
    "knn-shots": PipelineSpec(model="bot", demos=DemoSpec(strategy="bm25", k=3)),
    "max-shots": PipelineSpec(model="bot", params={"max_tokens": 16},
                              demos=DemoSpec(strategy="stratified", k=40, max_shots=True, max_prompt_tokens=400)),
    "cot": PipelineSpec(model="bot", reasoning=True, demos=DemoSpec(strategy="random", k=2)),
    "sampling": PipelineSpec(model="bot", sampling=SamplingSpec(n=3, temperature=0.9)),
    "guard": PipelineSpec(model="bot", guard={}),
}


def sentiment_task(folder: Path) -> Task:
    return load_task(write_task(folder, sentiment_rows(40)))


def choice_task(folder: Path) -> Task:
    """Multiple choice with the options in one JSON-list input field."""
    fruits, others = ["apple", "pear", "plum", "cherry"], ["car", "rock", "chair", "cloud", "spoon", "brick"]
    rows = []
    for i in range(16):
        options = [others[(i + k) % 6] for k in range(3)]
        options.insert(2 + i % 2, fruits[i % 4])
        rows.append({"id": f"q{i}", "question": "Which one is a fruit?", "options": json.dumps(options),
                     "answer": "CD"[i % 2]})
    path = write_task(folder, rows, inputs=["question", "options"], outputs={"answer": "label"},
                      split={"dev": 0.5, "test": 0, "seed": 0})
    spec = yaml.safe_load(path.read_text())
    spec["outputs"] = {"answer": {"type": "label", "labels": ["A", "B", "C", "D"]}}
    path.write_text(yaml.safe_dump(spec))
    return load_task(path)


SHUFFLE_SPEC = PipelineSpec(model="mc", sampling=SamplingSpec(n=3, shuffle_choices="options"))
MC = ModelConfig(name="mc", model="scripted", script={"callable": "helpers:position_biased_chooser"})
RAG_SPEC = PipelineSpec(model="manual-reader", retrieval={"strategy": "bm25", "k": 4})


def cases(tmp: Path):
    """(name, task, spec, models) for every case."""
    sentiment = sentiment_task(tmp / "sentiment")
    out = [(name, sentiment, spec, {"bot": BOT}) for name, spec in SENTIMENT_SPECS.items()]
    out.append(("shuffle_choices", choice_task(tmp / "choice"), SHUFFLE_SPEC, {"mc": MC}))
    out.append(("rag", load_task(MANUAL_QA / "task.yaml"), RAG_SPEC, load_models(MANUAL_QA / "models.yaml")))
    return out
