"""The CLI contract: --json shape, exports, cache commands, and one-line errors with exit 2."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
import yaml
from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.testing import LoopbackServer, mapping_responder

EVAL_KEYS = {"run_id", "task", "model", "split", "n", "score", "ci_low", "ci_high", "parse_failures", "errors",
             "cost_usd", "cost_usd_spent", "cost_per_1k_calls", "latency_p50_ms", "latency_p95_ms", "calls",
             "cached_calls", "projected_monthly_usd"}

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def cli(*args, env=None):
    """The installed entry point in a subprocess: real exit codes, real stderr."""
    return subprocess.run([sys.executable, "-m", "taskladder", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


@pytest.fixture
def task(tmp_path):
    return write_task(tmp_path / "t", sentiment_rows(40))


@pytest.fixture
def scripted_models(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": [{"name": "bot", "model": "scripted", "script": {
        "rules": [{"regex": "great|lovely|excellent|good|wonderful", "answer": "pos"}], "default": "neg"}}]}))
    return path


def test_eval_json_contract_and_rerun_from_cache(task, scripted_models):
    first = json.loads(invoke("eval", task, "-m", "bot", "--models", scripted_models, "--json").stdout)
    assert EVAL_KEYS <= set(first) and first["score"] == 1.0 and first["calls"] == 10
    again = json.loads(invoke("eval", task, "-m", "bot", "--models", scripted_models, "--json").stdout)
    assert again["cached_calls"] == 10 and again["calls"] == 0 and again["run_id"] != first["run_id"]


def test_eval_several_models_and_baselines(task, scripted_models):
    out = json.loads(invoke("eval", task, "-m", "bot", "-m", "baseline/majority", "-m", "baseline/tfidf-lr",
                            "--models", scripted_models, "--split", "test", "--limit", "6", "--json").stdout)
    assert [r["model"] for r in out["runs"]] == ["bot", "baseline/majority", "baseline/tfidf-lr"]
    assert all(r["n"] == 6 and r["split"] == "test" for r in out["runs"])


def test_shots_are_drawn_from_train_only(task, scripted_models, tmp_path):
    out = json.loads(invoke("eval", task, "-m", "bot", "--models", scripted_models, "--shots", "4", "--json").stdout)
    from taskladder.store import Store
    from taskladder.task import load_task

    train_ids = {e.id for e in load_task(task).train}
    records = Store().get_records(out["run_id"])
    assert all(len(r.trace["demo_ids"]) == 4 and set(r.trace["demo_ids"]) <= train_ids for r in records)


def test_export_records_jsonl_and_csv(task, scripted_models, tmp_path):
    run_id = json.loads(invoke("eval", task, "-m", "bot", "--models", scripted_models, "--json").stdout)["run_id"]
    lines = invoke("export-records", run_id).stdout.strip().splitlines()
    first = json.loads(lines[0])
    assert len(lines) == 10 and {"inputs", "expected", "prediction", "raw_text", "parse_status", "score",
                                 "cost_usd", "latency_ms", "error"} <= set(first)
    invoke("export-records", run_id[:12], "-o", tmp_path / "r.csv")
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert len(rows) == 10 and json.loads(rows[0]["inputs"])["text"]


def test_compare_runs(task, scripted_models):
    a = json.loads(invoke("eval", task, "-m", "baseline/majority", "--json").stdout)["run_id"]
    b = json.loads(invoke("eval", task, "-m", "bot", "--models", scripted_models, "--json").stdout)["run_id"]
    out = json.loads(invoke("compare", a, b, "--json").stdout)
    assert out["n"] == 10 and out["diff"] == pytest.approx(out["score_b"] - out["score_a"])
    assert out["method"] in ("mcnemar", "bootstrap") and 0 <= out["p_value"] <= 1


def test_cache_stats_and_clear(task, scripted_models):
    invoke("eval", task, "-m", "bot", "--models", scripted_models)
    stats = json.loads(invoke("cache", "stats", "--json").stdout)
    assert stats["calls"] == 10 and stats["models"][0]["model"] == "scripted"
    assert "removed 10" in invoke("cache", "clear", "--yes").stdout
    assert json.loads(invoke("cache", "stats", "--json").stdout)["calls"] == 0


def test_report_writes_self_contained_html(task, scripted_models, tmp_path):
    invoke("eval", task, "-m", "bot", "-m", "baseline/all", "--models", scripted_models)
    out = tmp_path / "report.html"
    result = invoke("report", "-o", out)
    html = out.read_text()
    assert "6 runs" in result.stdout and "<svg" in html and "Pareto" in html
    assert "https://" not in html.split("<body", 1)[1].split("</body>")[0].replace("https://github", "")


def test_init_scaffolds_a_task_that_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # init writes task.yaml where the user is
    rows = sentiment_rows(20)
    data = tmp_path / "reviews.csv"
    with data.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    invoke("init", data)
    spec = yaml.safe_load((tmp_path / "task.yaml").read_text())
    assert spec["inputs"] == ["text"] and spec["outputs"] == {"label": "label"}
    assert spec["data"]["id_column"] == "id"
    out = json.loads(invoke("eval", tmp_path / "task.yaml", "-m", "baseline/majority", "--json").stdout)
    assert out["n"] == 4


@pytest.mark.parametrize("case", ["missing_file", "bad_yaml", "unknown_model", "missing_key", "unreachable",
                                  "no_model", "bad_models_yaml"])
def test_bad_input_is_one_line_exit_2(case, task, tmp_path):
    args = ["eval", task, "-m", "bot"]
    env = {}
    models = tmp_path / "m.yaml"
    if case == "missing_file":
        args[1] = tmp_path / "nope.yaml"
    elif case == "bad_yaml":
        (tmp_path / "bad.yaml").write_text("name: [oops\n")
        args[1] = tmp_path / "bad.yaml"
    elif case == "unknown_model":
        args[3] = "nosuchmodel"
    elif case == "missing_key":
        models.write_text("models:\n  - {name: bot, model: openai/gpt-4o-mini, api_key_env: TL_TEST_NO_SUCH_KEY}\n")
        args += ["--models", models]
    elif case == "unreachable":
        models.write_text("models:\n  - {name: bot, model: openai/x, api_base: 'http://127.0.0.1:9/v1'}\n")
        args += ["--models", models]
    elif case == "no_model":
        args = ["eval", task]
    elif case == "bad_models_yaml":
        models.write_text("models:\n  - {name: bot}\n")
        args += ["--models", models]
    result = cli(*args, env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr


def test_eval_against_loopback_server_via_cli(task, tmp_path):
    with LoopbackServer(mapping_responder({"great": "pos", "lovely": "pos", "excellent": "pos", "good": "pos",
                                           "wonderful": "pos"}, default="neg")) as srv:
        models = tmp_path / "m.yaml"
        models.write_text(yaml.safe_dump({"models": [{"name": "loop", "model": "openai/loopback",
                                                      "api_base": srv.base_url}]}))
        result = cli("eval", task, "-m", "loop", "--models", models, "--json")
    out = json.loads(result.stdout)
    assert result.returncode == 0 and out["score"] == 1.0
    assert out["cost_usd"] is None and out["cost_per_1k_calls"] is None  # unknown price, never $0


def test_models_lists_price_context_and_access(tmp_path, monkeypatch):
    monkeypatch.delenv("TL_NO_KEY", raising=False)
    models = tmp_path / "m.yaml"
    models.write_text("models:\n"
                      "  - {name: mini, model: openai/gpt-4o-mini, api_key_env: TL_NO_KEY}\n"
                      "  - {name: local, model: openai/x, api_base: 'http://127.0.0.1:9/v1'}\n"
                      "  - {name: bot, model: scripted}\n")
    rows = {r["name"]: r for r in json.loads(invoke("models", "--models", models, "--json").stdout)["models"]}
    assert rows["mini"]["input_per_mtok"] > 0 and rows["mini"]["context_window"] >= 100_000
    assert "TL_NO_KEY" in rows["mini"]["access"] and "cannot reach" in rows["local"]["access"]
    assert rows["local"]["input_per_mtok"] is None  # unknown, never $0
    assert rows["bot"]["access"] == "ok"
