"""Files that leave the store say which schema wrote them: exported records and pipeline.yaml."""

from __future__ import annotations

import csv
import json

import pytest
import yaml
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.errors import ConfigError
from taskladder.pipeline import DemoSpec, PipelineSpec, load_pipeline
from taskladder.store import SCHEMA_VERSION, Record, RunInfo, Store

runner = CliRunner()


@pytest.fixture
def run_id():
    store = Store()
    store.save_run(RunInfo(run_id="20260101-000000-abcdef", task="t", model="m", split="dev"), "key")
    store.put_records([Record(run_id="20260101-000000-abcdef", example_id=f"e{i}", split="dev",
                              inputs={"text": f"naïve {i}"}, expected={"label": "pos"}, score=float(i % 2))
                       for i in range(3)])
    store.close()
    return "20260101-000000-abcdef"


def test_jsonl_export_carries_the_schema_version(run_id):
    out = runner.invoke(app, ["export-records", run_id], catch_exceptions=False)
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 3 and all(line["schema_version"] == SCHEMA_VERSION for line in lines)
    assert [line["inputs"]["text"] for line in lines] == ["naïve 0", "naïve 1", "naïve 2"]
    assert "naïve" in out.stdout  # still UTF-8, not \u escapes


def test_csv_export_has_a_schema_version_column(run_id, tmp_path):
    runner.invoke(app, ["export-records", run_id, "-o", str(tmp_path / "r.csv")], catch_exceptions=False)
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert len(rows) == 3 and {r["schema_version"] for r in rows} == {str(SCHEMA_VERSION)}
    assert [r["score"] for r in rows] == ["0.0", "1.0", "0.0"]


def test_pipeline_yaml_records_the_schema_version_and_loads_back(tmp_path):
    spec = PipelineSpec(model="bot", rung="3-shot", demos=DemoSpec(k=3))
    path = spec.save(tmp_path / "pipeline.yaml")
    raw = yaml.safe_load(path.read_text())
    assert list(raw)[0] == "schema_version" and raw["schema_version"] == SCHEMA_VERSION
    assert load_pipeline(path) == spec
    assert load_pipeline(path).digest() == spec.digest()  # the stamp is provenance, not part of the spec


def test_pipeline_yaml_without_or_with_a_bad_schema_version(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("model: bot\n")
    assert load_pipeline(path) == PipelineSpec(model="bot")
    path.write_text("schema_version: two\nmodel: bot\n")
    with pytest.raises(ConfigError, match=r"p\.yaml, field 'schema_version': expected a whole number"):
        load_pipeline(path)
