"""The bundled examples run as the README says."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import shared_path
from typer.testing import CliRunner

from taskladder.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def test_support_tickets_data_is_reproducible(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", EXAMPLES / "support_tickets" / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.generate()
    shipped = (EXAMPLES / "support_tickets" / "tickets.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) + 1 == len(shipped)
    assert shipped[1].startswith(f"{rows[0]['id']},")


def test_support_tickets_climb_offline(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["climb", str(EXAMPLES / "support_tickets" / "task.yaml"), "--models",
                                 str(EXAMPLES / "support_tickets" / "models.yaml"), "--budget", "1", "--json",
                                 "--out", str(out), "--shots", "4", "--rungs", "zero-shot,few-shot",
                                 # the cheap models only: SmolLM2's climb takes minutes (README command 1)
                                 "-m", "keyword-bot", "-m", "gpt-4o-mini"],
                           catch_exceptions=False)
    payload = json.loads(result.stdout)
    status = {(r["model"], r["rung"]): r["status"] for r in payload["rungs"]}
    assert status[("keyword-bot", "zero-shot")] == "ran"
    assert status[("gpt-4o-mini", "zero-shot")] == "no-access"  # no key here: estimates instead
    priced = [r for r in payload["rungs"] if r["model"] == "gpt-4o-mini"]
    assert all(r["estimated_cost_usd"] > 0 for r in priced)
    assert payload["recommendation"] and payload["test"]["status"] == "ran"
    assert (out / "pipeline.yaml").exists() and (out / "report.html").exists()


def test_banking77_example_reads_a_local_copy():
    data = shared_path("banking77")
    result = runner.invoke(app, ["eval", str(EXAMPLES / "banking77" / "task.yaml"), "-m", "baseline/tfidf-lr",
                                 "--data", str(data), "--split", "test", "--json"], catch_exceptions=False)
    out = json.loads(result.stdout)
    assert out["n"] == 3080 and out["score"] > 0.85
