"""export-records streams a run from the store: the rows come out in example-id order (numbers
as numbers), the same as sorting the whole run in memory gave, however they were written."""

from __future__ import annotations

import json
from pathlib import Path

from scale_helpers import Scripted, big_task
from typer.testing import CliRunner

from taskladder.cli.app import app
from taskladder.cli.cmd_runs import example_order
from taskladder.metrics import get_metric
from taskladder.runner import RunPlan, execute
from taskladder.store import Store


def test_export_streams_in_example_order(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TASKLADDER_HOME", str(tmp_path / "home"))
    task = big_task(tmp_path / "t", 1_500)
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
    run = execute(plan, Scripted(batch_size=3, concurrency=16), store=store, progress=False).run
    whole = sorted(store.get_records(run.run_id), key=lambda r: example_order(r.example_id))
    streamed = list(store.iter_records_ordered(run.run_id, example_order, page=100))
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
