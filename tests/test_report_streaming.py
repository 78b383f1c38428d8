"""export-records streams a run from the store: the rows come out in example-id order (numbers
as numbers), the same as sorting the whole run in memory gave, however they were written."""

from __future__ import annotations

import json
import random
from pathlib import Path

from scale_helpers import Scripted, big_task
from typer.testing import CliRunner

from taskladder.cli.app import app
from taskladder.metrics import get_metric
from taskladder.runner import RunPlan, execute
from taskladder.store import Record, RunInfo, Store
from taskladder.store.order import example_order, example_order_bytes
from taskladder.task import Task


def _scripted_run(tmp_path: Path, monkeypatch, n: int) -> tuple[Task, Store, RunInfo]:
    monkeypatch.setenv("TASKLADDER_HOME", str(tmp_path / "home"))
    task = big_task(tmp_path / "t", n)
    store = Store.default()
    plan = RunPlan.for_task(
        task,
        "dev",
        None,
        scorer=get_metric(task.spec.default_metric(), task.spec),
        model="scripted",
        identity={},
        pipeline={"kind": "scripted"},
    )
    # Many workers: records are written in the order answers arrive, not in example order.
    return task, store, execute(plan, Scripted(batch_size=3, concurrency=16), store=store, progress=False).run


def test_export_streams_in_example_order(tmp_path: Path, monkeypatch) -> None:
    task, store, run = _scripted_run(tmp_path, monkeypatch, 1_500)
    whole = sorted(store.get_records(run.run_id), key=lambda r: example_order(r.example_id))
    streamed = list(store.iter_records_ordered(run.run_id, page=100))
    assert streamed == whole and len(whole) == len(task.dev)
    out = tmp_path / "r.jsonl"
    result = CliRunner().invoke(app, ["export-records", run.run_id, "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["example_id"] for r in rows] == [r.example_id for r in whole]
    assert [r["score"] for r in rows] == [r.score for r in whole]
    csv_out = tmp_path / "r.csv"
    assert CliRunner().invoke(app, ["export-records", run.run_id, "-o", str(csv_out)]).exit_code == 0
    assert len(csv_out.read_text().splitlines()) == len(whole) + 1


def _sorted_in_memory(store: Store, run_id: str) -> list[Record]:
    """The order export-records wrote before SQLite sorted the ids: every id's key sorted in Python."""
    return sorted(store.get_records(run_id), key=lambda r: example_order(r.example_id))


def test_sqlite_sorts_ids_as_the_python_key_did(tmp_path: Path, monkeypatch) -> None:
    rng = random.Random(0)
    parts = ["q", "Q", "a-", "_", "0", "7", "007", "10", "9", "é", "\x00", "\u0663", "\U0001f600", " ", ""]
    ids = sorted({"".join(rng.choice(parts) for _ in range(rng.randint(0, 5))) for _ in range(3_000)})
    assert sorted(ids, key=example_order_bytes) == sorted(ids, key=example_order)
    _, store, run = _scripted_run(tmp_path, monkeypatch, 300)
    # The run's records again under the awkward ids, written in shuffled order.
    records = list(store.get_records(run.run_id))
    rng.shuffle(ids)
    renamed = [r.model_copy(update={"run_id": "awkward", "example_id": i}) for r, i in zip(records * 20, ids)]
    store.put_records(renamed)
    for run_id in (run.run_id, "awkward"):
        before = _sorted_in_memory(store, run_id)
        assert list(store.iter_records_ordered(run_id, page=7)) == before and len(before) > 100
    out = tmp_path / "awkward.jsonl"
    result = CliRunner().invoke(app, ["export-records", run.run_id, "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["example_id"] for r in rows] == [r.example_id for r in _sorted_in_memory(store, run.run_id)]
