"""A store written by the pre-versioning code (tests/fixtures/store_v1, built by its
make_store.py at commit e280f9a) is adopted and migrated without losing anything."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.store import SCHEMA_VERSION, Store
from taskladder.store.order import example_order

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "store_v1"
runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def read_plain(path: Path) -> dict:
    """The fixture as plain sqlite3 sees it, before taskladder touches it."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        return {
            "runs": con.execute("SELECT run_id, task, model, split, status, info FROM runs ORDER BY run_id").fetchall(),
            "records": con.execute("SELECT run_id, example_id, data FROM records ORDER BY rowid").fetchall(),
            "calls": con.execute(
                "SELECT key, model, text, input_tokens, output_tokens, cost_usd FROM calls ORDER BY key"
            ).fetchall(),
            "user_version": con.execute("PRAGMA user_version").fetchone()[0],
            "tables": {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")},
        }


@pytest.fixture
def old_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(FIXTURE / "taskladder.sqlite", home / "taskladder.sqlite")
    monkeypatch.setenv("TASKLADDER_HOME", str(home))
    return home


def test_the_fixture_is_a_pre_versioning_store():
    before = read_plain(FIXTURE / "taskladder.sqlite")
    assert before["user_version"] == 0 and "_taskladder_migrations" not in before["tables"]
    assert len(before["runs"]) == 3 and len(before["records"]) >= 10 and len(before["calls"]) >= 8
    assert not list(FIXTURE.glob("*-wal")) and not list(FIXTURE.glob("*-shm"))


def test_opening_adopts_and_migrates_keeping_every_row(old_home):
    before = read_plain(old_home / "taskladder.sqlite")
    store = Store()
    assert store.schema_version() == SCHEMA_VERSION
    after = store._db
    assert (
        after.execute("SELECT run_id, task, model, split, status, info FROM runs ORDER BY run_id").fetchall()
        == before["runs"]
    )
    assert after.execute("SELECT run_id, example_id, data FROM records ORDER BY rowid").fetchall() == before["records"]
    assert (
        after.execute(
            "SELECT key, model, text, input_tokens, output_tokens, cost_usd FROM calls ORDER BY key"
        ).fetchall()
        == before["calls"]
    )
    # The new columns are backfilled from each record's JSON, so old runs answer SQL too.
    for data, split, score, status, cost, latency, error in after.execute(
        "SELECT data, split, score, parse_status, cost_usd, latency_ms, error FROM records"
    ):
        rec = json.loads(data)
        assert (split, score, status, cost, latency, error) == (
            rec["split"],
            rec["score"],
            rec["parse_status"],
            rec["cost_usd"],
            rec["latency_ms"],
            rec["error"],
        )
    assert after.execute("SELECT COUNT(*) FROM runs WHERE updated_at = created_at").fetchone()[0] == 3
    # Python objects read back as before: every run, its records and their scores.
    for run_id, *_ in before["runs"]:
        run = store.get_run(run_id)
        records = store.get_records(run_id)
        assert run is not None and run.status == "finished" and len(records) == run.summary["n"]
        assert sum(r.score for r in records) / len(records) == pytest.approx(run.summary["score"])
    assert set(store.get_calls(k for k, *_ in before["calls"])) == {k for k, *_ in before["calls"]}


def test_the_cli_lists_and_exports_migrated_runs(old_home, tmp_path):
    before = read_plain(old_home / "taskladder.sqlite")
    runs = json.loads(invoke("runs", "--json").stdout)["runs"]
    assert sorted(r["run_id"] for r in runs) == [r[0] for r in before["runs"]]
    bot = next(r for r in runs if r["model"] == "bot")
    lines = [json.loads(line) for line in invoke("export-records", bot["run_id"]).stdout.splitlines()]
    old = [json.loads(d) for run_id, _, d in before["records"] if run_id == bot["run_id"]]
    old.sort(key=lambda r: example_order(r["example_id"]))  # exports are in example-id order (issue 13)
    assert [{k: v for k, v in line.items() if k != "schema_version"} for line in lines] == old
    assert {line["schema_version"] for line in lines} == {SCHEMA_VERSION}


def test_rerunning_the_old_llm_eval_replays_from_the_migrated_cache(old_home, tmp_path):
    spec = importlib.util.spec_from_file_location("make_store", FIXTURE / "make_store.py")
    make_store = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_store)
    make_store.write_task(tmp_path / "films")  # the very task and models.yaml the fixture was written with
    calls_before = read_plain(old_home / "taskladder.sqlite")["calls"]
    out = json.loads(
        invoke(
            "eval",
            tmp_path / "films" / "task.yaml",
            "-m",
            "bot",
            "--models",
            tmp_path / "films" / "models.yaml",
            "--json",
        ).stdout
    )
    assert out["calls"] == 0 and out["cached_calls"] == out["n"] == 4 and out["score"] == 1.0
    with sqlite3.connect(old_home / "taskladder.sqlite") as con:
        assert con.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == len(calls_before)
        assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 4
        new_rows = con.execute("SELECT split, score FROM records WHERE run_id = ?", (out["run_id"],)).fetchall()
    assert len(new_rows) == 4 and all(split == "dev" and score == 1.0 for split, score in new_rows)
