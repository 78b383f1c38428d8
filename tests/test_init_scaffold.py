"""`taskladder init`: a task named after its data, its sibling split files, written where the user is."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml
from helpers import sentiment_rows
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.task import load_task

runner = CliRunner()


def _write(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _trec(root: Path, dev_name: str | None = None) -> Path:
    rows = [{"text": r["text"], "label": r["label"]} for r in sentiment_rows(30)]
    _write(root / "data" / "trec" / "train.csv", rows[:20])
    _write(root / "data" / "trec" / "test.csv", rows[20:26])
    if dev_name:
        _write(root / "data" / "trec" / f"{dev_name}.csv", rows[26:])
    return root / "data" / "trec" / "train.csv"


def test_init_names_the_task_after_its_folder_and_picks_up_test(tmp_path, monkeypatch):
    _trec(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = runner.invoke(app, ["init", "data/trec/train.csv"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    spec = yaml.safe_load((tmp_path / "task.yaml").read_text())  # where the user is
    assert not (tmp_path / "data" / "trec" / "task.yaml").exists()
    assert spec["name"] == "trec"
    assert spec["data"]["train"] == "data/trec/train.csv" and spec["data"]["test"] == "data/trec/test.csv"
    task = load_task(tmp_path / "task.yaml")
    assert len(task.test) == 6 and len(task.train) + len(task.dev) == 20 and task.dev


def test_init_picks_up_a_validation_file_as_dev(tmp_path, monkeypatch):
    _trec(tmp_path, dev_name="validation")
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["init", "data/trec/train.csv"], catch_exceptions=False)
    task = load_task(tmp_path / "task.yaml")
    assert (len(task.train), len(task.dev), len(task.test)) == (20, 4, 6)


def test_init_into_a_new_folder_with_sane_relative_paths(tmp_path, monkeypatch):
    _trec(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = runner.invoke(app, ["init", "data/trec/train.csv", "-o", "new/dir/task.yaml"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    spec = yaml.safe_load((tmp_path / "new" / "dir" / "task.yaml").read_text())
    assert spec["data"]["train"] == "../../data/trec/train.csv"
    assert load_task(tmp_path / "new" / "dir" / "task.yaml").test


def test_init_of_a_named_file_keeps_its_name_and_a_seeded_split(tmp_path, monkeypatch):
    _write(tmp_path / "tickets.csv", sentiment_rows(20))
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["init", "tickets.csv"], catch_exceptions=False)
    spec = yaml.safe_load((tmp_path / "task.yaml").read_text())
    assert spec["name"] == "tickets" and spec["data"]["file"] == "tickets.csv"
    out = json.loads(runner.invoke(app, ["eval", "task.yaml", "-m", "baseline/majority", "--json"]).stdout)
    assert out["n"] == 4
