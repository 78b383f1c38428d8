"""`taskladder eval --dry-run`: the planned messages and the split's calls and cost, with no
provider call and no stored run; what it prints is what a real run then sends."""

from __future__ import annotations

import json

import pytest
import yaml
from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.store import Store
from taskladder.testing import LoopbackServer, mapping_responder

RESPONDER = mapping_responder({"great": "pos", "lovely": "pos", "excellent": "pos", "good": "pos",
                               "wonderful": "pos"}, default="neg")


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def task(tmp_path):
    return write_task(tmp_path / "t", sentiment_rows(40))


def models_file(tmp_path, srv) -> str:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": [
        {"name": "loop", "model": "openai/loopback", "api_base": srv.base_url, "timeout_s": 5,
         "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}},
        {"name": "judge", "model": "scripted", "script": {"callable": "helpers:sentiment_judge"}}]}))
    return str(path)


def test_dry_run_prints_the_plan_and_sends_nothing(tmp_path, task):
    with LoopbackServer(RESPONDER) as srv:
        result = invoke("eval", task, "--models", models_file(tmp_path, srv), "-m", "loop", "--shots", "2",
                        "--dry-run", "--dry-run-limit", "2")
        assert result.exit_code == 0, result.output
        assert srv.request_count == 0
    assert Store().list_runs() == []
    out = result.stdout
    assert "10 examples → 10 calls (0 cached)" in out and "estimated $" in out
    assert out.count("── example ") == 2 and "[system]" in out and "[assistant]" in out


def test_dry_run_json_is_what_the_real_run_sends(tmp_path, task):
    with LoopbackServer(RESPONDER) as srv:
        models = models_file(tmp_path, srv)
        planned = json.loads(invoke("eval", task, "--models", models, "-m", "loop", "--shots", "2",
                                    "--dry-run", "--json").stdout)
        assert srv.request_count == 0 and Store().list_runs() == []
        assert planned["dry_run"] and planned["calls"] == 10 and len(planned["plans"]) == 3  # default limit
        assert invoke("eval", task, "--models", models, "-m", "loop", "--shots", "2", "--json").exit_code == 0
        sent = [r.body["messages"] for r in srv.requests]
        for plan in planned["plans"]:
            assert plan["calls"][0]["messages"] in sent
        again = json.loads(invoke("eval", task, "--models", models, "-m", "loop", "--shots", "2",
                                  "--dry-run", "--json").stdout)
        assert again["cached_calls"] == 10  # the plan's cache keys are the run's
        assert srv.request_count == 10


def test_dry_run_of_best_of_n_counts_and_prices_the_judge_calls(tmp_path, task):
    spec = tmp_path / "pipeline.yaml"
    spec.write_text(yaml.safe_dump({"model": "loop", "sampling": {"n": 3, "select": "judge", "judge": "paid-judge"}}))
    voting = tmp_path / "vote.yaml"
    voting.write_text(yaml.safe_dump({"model": "loop", "sampling": {"n": 3, "select": "vote"}}))
    with LoopbackServer(RESPONDER) as srv:
        models = models_file(tmp_path, srv)
        config = yaml.safe_load(open(models))
        config["models"].append({"name": "paid-judge", "model": "openai/judge", "api_base": srv.base_url,
                                 "price": {"input_per_mtok": 1000.0, "output_per_mtok": 1000.0}})
        with open(models, "w") as fh:
            yaml.safe_dump(config, fh)
        planned = json.loads(invoke("eval", task, "--models", models, "--pipeline", spec, "--dry-run", "--json",
                                    "--dry-run-limit", "1").stdout)
        voted = json.loads(invoke("eval", task, "--models", models, "--pipeline", voting, "--dry-run",
                                  "--json").stdout)
        text = invoke("eval", task, "--models", models, "--pipeline", spec, "--dry-run", "--dry-run-limit", "0").stdout
        assert srv.request_count == 0
    # 10 examples × 3 samples, then sequential halving's 3 judge calls per example (all parse).
    assert planned["judge_calls"] == 30 and planned["calls"] == 60 and planned["judge"] == "paid-judge"
    assert "up to 30 calls of the judge paid-judge" in text
    assert [c["sample_index"] for c in planned["plans"][0]["calls"]] == [0, 1, 2]
    assert planned["plans"][0]["judge_calls_follow"] and planned["plans"][0]["judge"] == "paid-judge"
    # The judge's price counts: at $1000/Mtok, 30 judge prompts cost far more than the samples.
    assert planned["estimated_usd"] > voted["estimated_usd"] + 0.5
    assert planned["max_usd"] >= planned["estimated_usd"]


def test_dry_run_plans_rationale_demos_and_counts_their_bootstrap(tmp_path, task):
    spec = tmp_path / "pipeline.yaml"
    spec.write_text(yaml.safe_dump({"model": "loop", "demos": {"strategy": "bm25", "k": 2, "rationales": True,
                                                               "rationale_pool": 6},
                                    "reasoning": True}))
    with LoopbackServer(RESPONDER) as srv:
        models = models_file(tmp_path, srv)
        args = ("eval", task, "--models", models, "--pipeline", spec, "--dry-run")
        before = json.loads(invoke(*args, "--json", "--dry-run-limit", "2").stdout)
        assert srv.request_count == 0 and Store().list_runs() == []
        assert before["bootstrap_calls"] == 6 and before["bootstrap_cached_calls"] == 0
        assert before["calls"] == 6 + 10 and "placeholder" in before["placeholder"]
        assert "[rationale the model writes" in json.dumps(before["plans"])
        text = invoke(*args, "--dry-run-limit", "1").stdout
        assert "6 rationale bootstrap calls (0 cached)" in text and "── example " in text
        # Once the bootstrap is in the cache, the plan is exact: what the run sent.
        assert invoke("eval", task, "--models", models, "--pipeline", spec, "--json").exit_code == 0
        sent = [r.body["messages"] for r in srv.requests]
        after = json.loads(invoke(*args, "--json", "--dry-run-limit", "2").stdout)
        assert srv.request_count == len(sent)
    assert after["placeholder"] is None and after["bootstrap_cached_calls"] == 6
    for plan in after["plans"]:
        assert plan["calls"][0]["messages"] in sent


def test_dry_run_of_a_baseline_plans_no_calls(tmp_path, task):
    result = invoke("eval", task, "-m", "baseline/majority", "--dry-run", "--json")
    planned = json.loads(result.stdout)
    assert result.exit_code == 0 and planned["kind"] == "baseline" and planned["calls"] == 0
    assert Store().list_runs() == []
