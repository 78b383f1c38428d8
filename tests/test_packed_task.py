"""A loaded task keeps its rows packed (``PackedExamples``) instead of as ``Example`` objects: the
same examples, splits and fingerprint as lists of examples give, the same records, scores and
costs from the same calls, and a packed run resumes after a stop (issue 20)."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest
from helpers import sentiment_rows, write_task
from scale_helpers import Scripted
from scale_helpers import scripted_plan as _plan

from taskladder.models.config import ModelConfig
from taskladder.runner import evaluate, execute
from taskladder.store import Store
from taskladder.task import Example, PackedExamples, Task, load_task, split_examples
from taskladder.task.decoding import split_lines
from taskladder.task.tables import read_table
from taskladder.testing import LoopbackServer, mapping_responder


def _as_lists(task: Task) -> Task:
    return dataclasses.replace(task, train=list(task.train), dev=list(task.dev), test=list(task.test))


def test_packed_splits_are_the_examples_lists_give(tmp_path: Path) -> None:
    rows = [
        {"id": f"r{i}", "text": f"text {i}", "label": "pos" if i % 3 else "neg", "note": f"n{i % 4}"}
        for i in range(200)
    ]
    task = load_task(write_task(tmp_path / "t", rows, split={"dev": 0.3, "test": 0.2, "seed": 7}))
    assert all(isinstance(part, PackedExamples) for part in (task.train, task.dev, task.test))
    # The old path: every row an Example, then the seeded shuffle of the list.
    examples = [
        Example(id=r["id"], inputs={"text": r["text"]}, outputs={"label": r["label"]}, extra={"note": r["note"]})
        for r in read_table(tmp_path / "t" / "data.csv")
    ]
    train, dev, test = split_examples(examples, 0.3, 0.2, 7)
    assert (list(task.train), list(task.dev), list(task.test)) == (train, dev, test)
    assert task.dev == dev and dev == task.dev and task.dev[3] == dev[3] and list(task.dev[5:9]) == dev[5:9]
    # The fingerprint (the run key resume looks for) is the one the lists give.
    assert task.fingerprint() == _as_lists(task).fingerprint()
    ids = [dev[4].id, "nope", dev[0].id, train[0].id]
    assert task.dev.positions(ids).tolist() == [4, -1, 0, -1]  # type: ignore[attr-defined]


def test_duplicates_and_conflicts_are_found_as_before(tmp_path: Path) -> None:
    rows = [
        {"text": "a", "label": "pos"},
        {"text": "b", "label": "neg"},
        {"text": "a", "label": "pos"},
        {"text": "a", "label": "neg"},
        {"text": "c", "label": "pos"},
        {"text": "a", "label": "neg"},
        {"text": "b", "label": "neg"},
    ]
    task = load_task(write_task(tmp_path / "t", rows, split={"dev": 0.5, "test": 0.0, "seed": 0}))
    # Identical rows (no id column) are kept once: a/pos, b/neg, a/neg, c/pos.
    assert sorted((e.inputs["text"], e.outputs["label"]) for e in task.all_examples()) == [
        ("a", "neg"),
        ("a", "pos"),
        ("b", "neg"),
        ("c", "pos"),
    ]
    identical, conflicts = task.notes[:2]
    assert "3 identical duplicate row(s)" in identical
    # Compared with the first row of that input (row 2), as before: one conflict, rows 2 and 5.
    assert (
        "1 input(s) appear with different expected outputs: rows 2 and 5 ('a'): {'label': 'pos'} vs "
        "{'label': 'neg'}" in conflicts
    )


def test_duplicate_ids_still_refused(tmp_path: Path) -> None:
    rows = [
        {"id": "x", "text": "a", "label": "pos"},
        {"id": "y", "text": "b", "label": "pos"},
        {"id": "x", "text": "c", "label": "neg"},
    ]
    with pytest.raises(Exception, match="duplicate id 'x', first seen at row 2"):
        load_task(write_task(tmp_path / "t", rows))


def test_lines_split_as_stringio_does() -> None:
    text = 'id,text\r\n1,"two\nlines"\r2,plain\n3,"a\r\nb"\n4,last'
    assert list(split_lines(text)) == io.StringIO(text, newline="").readlines()
    assert list(csv.reader(split_lines(text))) == list(csv.reader(io.StringIO(text, newline="")))


RESPONDER = mapping_responder(
    {"great": "pos", "lovely": "pos", "excellent": "pos", "good": "pos", "wonderful": "pos"}, default="neg"
)


def test_packed_eval_gives_the_records_scores_and_costs_of_lists(tmp_path: Path) -> None:
    task = load_task(write_task(tmp_path / "t", sentiment_rows(120), split={"dev": 0.5, "test": 0.0, "seed": 1}))
    with LoopbackServer(RESPONDER) as srv:
        models = {
            "loop": ModelConfig(
                name="loop",
                model="openai/loopback",
                api_base=srv.base_url,
                concurrency=4,
                timeout_s=5,
                price={"input_per_mtok": 1.0, "output_per_mtok": 2.0},
            )
        }
        packed = evaluate(task, "loop", models=models, progress=False, store=Store(tmp_path / "a.sqlite"))
        listed = evaluate(_as_lists(task), "loop", models=models, progress=False, store=Store(tmp_path / "b.sqlite"))
    fields = (
        "example_id",
        "inputs",
        "expected",
        "prediction",
        "raw_text",
        "score",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "calls",
        "error",
    )
    a = [{f: getattr(r, f) for f in fields} for r in packed.records]
    b = [{f: getattr(r, f) for f in fields} for r in listed.records]
    assert len(a) == len(task.dev) == 60 and a == b
    for f in ("n", "score", "ci_low", "ci_high", "cost_usd", "input_tokens", "output_tokens", "calls"):
        assert packed.summary[f] == listed.summary[f], f
    assert packed.run.task_fingerprint == listed.run.task_fingerprint


def test_packed_run_resumes_to_the_uninterrupted_records(tmp_path: Path) -> None:
    rows = [{"id": f"e{i}", "text": f"message {i}", "label": "pos" if i % 3 else "neg"} for i in range(1_200)]
    task = load_task(write_task(tmp_path / "t", rows, split={"dev": 0.5, "test": 0.0, "seed": 0}))
    assert isinstance(task.dev, PackedExamples)
    store = Store(tmp_path / "s.sqlite")
    with pytest.raises(KeyboardInterrupt):
        execute(_plan(task), Scripted(batch_size=10, concurrency=4, stop_after=20), store=store, progress=False)
    (run,) = store.list_runs()
    done = {r.example_id for r in store.get_records(run.run_id)}
    assert 0 < len(done) < len(task.dev)
    second = Scripted(batch_size=10, concurrency=4)
    resumed = execute(_plan(task), second, store=store, progress=False)
    assert resumed.run.run_id == run.run_id and not done & set(second.asked)
    whole = execute(
        _plan(_as_lists(task)),
        Scripted(batch_size=10, concurrency=4),
        store=Store(tmp_path / "fresh.sqlite"),
        progress=False,
    )
    assert [(r.example_id, r.score, r.cost_usd) for r in resumed.records] == [
        (r.example_id, r.score, r.cost_usd) for r in whole.records
    ]
    assert len(resumed.records) == len(task.dev)
    assert resumed.summary.score == whole.summary.score and resumed.summary.cost_usd == whole.summary.cost_usd
