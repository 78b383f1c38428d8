"""Rough edges: `compare` refuses runs on different splits (or says loudly what --force
compares), `report --task` takes --split, and `-o`/`--out` are accepted wherever a command
writes a file or folder."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
import yaml
from helpers import sentiment_rows
from typer.testing import CliRunner

from taskladder.cli import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "taskladder", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


@pytest.fixture
def task(tmp_path):
    """Explicit split files without an id column, and 3 dev rows leaked into test: they get
    the same (content) ids in both splits, the only examples a cross-split compare could pair."""
    folder = tmp_path / "t"
    rows = [{k: v for k, v in r.items() if k != "id"} for r in sentiment_rows(40)]
    for name, part in (("train", rows[:20]), ("dev", rows[20:30]), ("test", rows[30:] + rows[20:23])):
        with (folder / f"{name}.csv").open("w", newline="") if folder.exists() else _mk(folder, name) as fh:
            writer = csv.DictWriter(fh, fieldnames=["text", "label"])
            writer.writeheader()
            writer.writerows(part)
    spec = {"name": "t", "instructions": "Classify the text.", "inputs": ["text"], "outputs": {"label": "label"},
            "data": {"train": "train.csv", "dev": "dev.csv", "test": "test.csv"}}
    (folder / "task.yaml").write_text(yaml.safe_dump(spec))
    return folder / "task.yaml"


def _mk(folder, name):
    folder.mkdir(parents=True)
    return (folder / f"{name}.csv").open("w", newline="")


def run_id(*args) -> str:
    return json.loads(invoke("eval", *args, "--json").stdout)["run_id"]


def test_compare_refuses_runs_on_different_splits(task):
    dev = run_id(task, "-m", "baseline/majority", "--split", "dev")
    test = run_id(task, "-m", "baseline/tfidf-lr", "--split", "test")
    refused = cli("compare", dev, test)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().count("\n") == 0
    assert "'dev' split" in refused.stderr and "'test'" in refused.stderr and "--force" in refused.stderr


def test_compare_force_says_what_is_compared(task):
    dev = run_id(task, "-m", "baseline/majority", "--split", "dev")
    test = run_id(task, "-m", "baseline/tfidf-lr", "--split", "test")
    forced = cli("compare", dev, test, "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    assert "WARNING" in forced.stderr and "only the examples the two splits share (3 of them)" in forced.stderr
    out = json.loads(forced.stdout)
    assert out["split_a"] == "dev" and out["split_b"] == "test" and "share" in out["warning"]
    same = cli("compare", dev, run_id(task, "-m", "baseline/tfidf-lr", "--split", "dev"))
    assert same.returncode == 0 and "WARNING" not in same.stderr


def test_report_task_takes_a_split(task, tmp_path):
    run_id(task, "-m", "baseline/majority", "--split", "dev")
    run_id(task, "-m", "baseline/majority", "--split", "test")  # the latest run
    out = tmp_path / "dev.html"
    result = invoke("report", "--task", "t", "--split", "dev", "--out", out)
    assert result.exit_code == 0, result.output
    assert "split <b>dev</b>" in out.read_text()
    latest = tmp_path / "latest.html"
    invoke("report", "--task", "t", "-o", latest)
    assert "split <b>test</b>" in latest.read_text()
    missing = cli("report", "--task", "t", "--split", "train", "-o", tmp_path / "x.html")
    assert missing.returncode == 2 and "'train' split" in missing.stderr


def test_out_and_o_are_both_accepted(task, tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [{"name": "bot", "model": "scripted", "script": {
        "rules": [{"regex": "great|lovely|excellent|good|wonderful", "answer": "pos"}], "default": "neg"}}]}))
    climbed = invoke("climb", task, "--models", models, "--rungs", "zero-shot", "--no-baselines", "--no-test",
                     "--limit", "4", "-o", tmp_path / "climb-o", "--json")
    assert climbed.exit_code == 0, climbed.output
    assert (tmp_path / "climb-o" / "climb.json").exists()
    rid = json.loads(climbed.stdout)["run_ids"][0]
    invoke("report", rid, "--out", tmp_path / "r.html")
    assert (tmp_path / "r.html").exists()
    invoke("export-records", rid, "--out", tmp_path / "r.jsonl")
    assert (tmp_path / "r.jsonl").exists()
    data = tmp_path / "reviews.csv"
    with data.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "text", "label"])
        writer.writeheader()
        writer.writerows(sentiment_rows(20))
    result = invoke("init", data, "--out", tmp_path / "made.yaml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "made.yaml").exists()


def test_report_marks_a_failed_run(task, tmp_path):
    from taskladder.store import Store

    broken = run_id(task, "-m", "baseline/majority")
    run_id(task, "-m", "baseline/tfidf-lr")
    store = Store()
    info = store.get_run(broken)
    store.save_run(info.model_copy(update={"status": "failed"}), run_key="marked-failed-by-test")
    out = tmp_path / "r.html"
    assert "2 runs" in invoke("report", "--task", "t", "-o", out).stdout
    board = out.read_text()
    board = board[board.index('id="leaderboard"'):]
    row = board[board.index("baseline/majority"):]
    assert '<span class="badge failed" title="run status">failed</span>' in row[:row.index("</tr>")]


def test_report_shows_messages_given_the_task_file(task, tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [{"name": "bot", "model": "scripted", "script": {
        "rules": [{"regex": "great", "answer": "pos"}], "default": "neg"}}]}))
    run_id(task, "-m", "bot", "--models", models, "--shots", "2")
    out = tmp_path / "r.html"
    result = invoke("report", "--task", "t", "--messages", task, "--models", models, "-o", out)
    assert result.exit_code == 0, result.output
    sent = out.read_text()[out.read_text().index('id="messages"'):]
    assert sent.count('<div class="field">user</div>') == 3 and "call 1 of 1" in sent
    assert 'id="messages"' not in (invoke("report", "--task", "t", "-o", out) and out.read_text())
