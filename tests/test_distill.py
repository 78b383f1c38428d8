"""Distillation (issue 15, item 5): `tune --teacher PIPELINE` labels the task's `unlabeled:`
inputs through the run kernel (cached, cost counted), filters by the teacher's confidence,
keeps its rationales on request, and writes the student's training file (the scripted model
is the teacher)."""

from __future__ import annotations

import csv
import itertools
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli.app import app
from taskladder.store import Store

runner = CliRunner()
_flip = itertools.count()
UNLABELED = [("u1", "a great film"), ("u2", "an awful film"), ("u3", "an excellent plot"), ("u4", "a terrible cast"),
             ("u5", "a mixed bag"), ("u6", "wonderful acting"), ("u7", "a mixed result"), ("u8", "poor sound")]


def teacher_answer(messages: list[dict]) -> str:
    """Keyword sentiment; 'mixed' inputs get a different answer on every other sample (low agreement).
    Asked to reason (a JSON reply), it explains itself."""
    text = messages[-1]["content"]
    if "mixed" in text:
        label = "pos" if next(_flip) % 2 else "neg"
    else:
        label = "pos" if any(w in text for w in ("great", "excellent", "wonderful", "lovely", "good")) else "neg"
    if "reasoning" in messages[0]["content"]:
        return json.dumps({"reasoning": f"the words of '{text}' sound {label}", "label": label})
    return label


def _setup(tmp_path: Path, *, sampling: bool = True, reasoning: bool = False, unlabeled: bool = True) -> tuple[Path, Path, Path]:
    extra = {"unlabeled": "unlabeled.csv"} if unlabeled else {}
    task = write_task(tmp_path / "t", sentiment_rows(16), **extra)
    with (tmp_path / "t" / "unlabeled.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows([("id", "text"), *UNLABELED])
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [{"name": "teacher", "model": "scripted",
                                                  "script": {"callable": "test_distill:teacher_answer"},
                                                  "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}}]}))
    pipeline = {"model": "teacher", **({"sampling": {"n": 4}} if sampling else {}),
                **({"reasoning": True} if reasoning else {})}
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(pipeline))
    return task, models, tmp_path / "pipeline.yaml"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_teacher_labels_unlabeled_inputs_and_low_confidence_is_dropped(tmp_path):
    task, models, pipeline = _setup(tmp_path)
    out = tmp_path / "student.jsonl"
    args = ["tune", str(task), "--name", "student", "--teacher", str(pipeline), "--models", str(models),
            "--min-confidence", "0.9", "--label-only", "--distill-out", str(out), "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)["distill"]
    assert info["labeled"] == 8 and info["dropped_low_confidence"] == 2 and info["kept"] == 6  # the two 'mixed'
    assert info["teacher_cost_usd"] > 0 and info["teacher_spent_usd"] == pytest.approx(info["teacher_cost_usd"])
    rows = _lines(out)
    gold = info["gold_pairs"]
    assert gold > 0 and len(rows) == gold + 6
    taught = {r["messages"][-2]["content"]: r["messages"][-1]["content"] for r in rows[gold:]}
    assert taught == {"a great film": "pos", "an awful film": "neg", "an excellent plot": "pos",
                      "a terrible cast": "neg", "wonderful acting": "pos", "poor sound": "neg"}
    run = Store.default().get_run(info["teacher_run_id"])
    assert run is not None and run.split == "unlabeled" and run.status == "finished"

    again = runner.invoke(app, args)  # the same distillation again: every teacher call from the cache
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["distill"]["teacher_spent_usd"] == 0
    assert _lines(out)[gold:] == rows[gold:]


def test_keep_rationales_trains_on_the_teachers_reasoning(tmp_path):
    task, models, pipeline = _setup(tmp_path, sampling=False, reasoning=True)
    out = tmp_path / "student.jsonl"
    res = runner.invoke(app, ["tune", str(task), "--name", "s", "--teacher", str(pipeline), "--models", str(models),
                              "--keep-rationales", "--label-only", "--distill-out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)["distill"]
    assert info["rationales"] == info["kept"] == 8
    last = _lines(out)[-1]["messages"]
    answer = json.loads(last[-1]["content"])
    assert answer == {"reasoning": "the words of 'poor sound' sound neg", "label": "neg"}
    assert "reasoning" in last[0]["content"]  # the student is asked to reason, as it is taught to


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "taskladder", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_min_confidence_needs_a_teacher_that_reports_one(tmp_path):
    task, models, pipeline = _setup(tmp_path, sampling=False)
    out = _cli("tune", str(task), "--name", "s", "--teacher", str(pipeline), "--models", str(models),
               "--min-confidence", "0.5", "--label-only")
    last = out.stderr.strip().splitlines()[-1]
    assert out.returncode == 2 and last.startswith("error: --min-confidence") and "sampling" in last, out.stderr
    assert "Traceback" not in out.stderr


def test_a_task_without_unlabeled_inputs_is_one_line(tmp_path):
    task, models, pipeline = _setup(tmp_path, unlabeled=False)
    out = _cli("tune", str(task), "--name", "s", "--teacher", str(pipeline), "--models", str(models), "--label-only")
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and "unlabeled: FILE" in lines[0], out.stderr


def test_unlabeled_table_without_the_input_column_is_one_line(tmp_path):
    task, models, pipeline = _setup(tmp_path)
    (tmp_path / "t" / "unlabeled.csv").write_text("id,body\nu1,hello\n")
    out = _cli("tune", str(task), "--name", "s", "--teacher", str(pipeline), "--models", str(models), "--label-only")
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and "unlabeled.csv" in lines[0] and "'text'" in lines[0], out.stderr


def test_unlabeled_keeps_the_fingerprint_of_tasks_without_it(tmp_path):
    from taskladder.task import load_task

    task, _, _ = _setup(tmp_path, unlabeled=False)
    before = load_task(task).fingerprint()
    spec = yaml.safe_load(task.read_text())
    spec["unlabeled"] = "unlabeled.csv"
    task.write_text(yaml.safe_dump(spec))
    loaded = load_task(task)
    assert [e.inputs["text"] for e in loaded.unlabeled] == [t for _, t in UNLABELED]
    assert loaded.fingerprint() != before  # a task with unlabeled inputs is another task ...
    spec.pop("unlabeled")
    task.write_text(yaml.safe_dump(spec))
    assert load_task(task).fingerprint() == before  # ... and one without them keeps its old fingerprint


@pytest.mark.slow
def test_student_is_tuned_on_gold_plus_teacher_pairs(tmp_path):
    pytest.importorskip("peft")
    from local_tiny import build_tiny_model

    tiny = build_tiny_model(tmp_path / "tiny")
    task, models, pipeline = _setup(tmp_path)
    res = runner.invoke(app, ["tune", str(task), "--name", "student", "--base", f"local/{tiny}", "--teacher",
                              str(pipeline), "--models", str(models), "--min-confidence", "0.9", "--epochs", "1",
                              "--batch-size", "4", "--json"])
    assert res.exit_code == 0, res.output
    lineage = json.loads(res.stdout)
    assert lineage["train_rows"] == lineage["distill"]["gold_pairs"] + 6
    db = sqlite3.connect(Path(os.environ["TASKLADDER_HOME"]) / "taskladder.sqlite")
    stored = json.loads(db.execute("SELECT info FROM runs WHERE run_id = ?", (lineage["run_id"],)).fetchone()[0])
    assert stored["pipeline"]["distill"]["teacher_run_id"] == lineage["distill"]["teacher_run_id"]
    roles = {row["role"]: row for row in lineage["comparison"]}  # the student against its teacher on test
    assert roles["teacher"]["split"] == roles["student"]["split"] == "test"
    assert roles["teacher"]["score"] == 1.0 and roles["teacher"]["projected_monthly_usd"] > 0
    assert roles["student"]["model"] == "local/student" and roles["student"]["n"] == roles["teacher"]["n"]
