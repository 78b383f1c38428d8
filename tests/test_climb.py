"""`climb`: rungs, budget never exceeded, no-access estimates, resume, identical rerun from spec."""

from __future__ import annotations

import json

import helpers
import pytest
from helpers import sentiment_rows, write_task
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.ladder import LadderOptions, climb
from taskladder.models.config import ModelConfig
from taskladder.store import Store
from taskladder.task import load_task

PRICE = {"input_per_mtok": 100.0, "output_per_mtok": 300.0}  # dear, so budgets bite


def bot(**kw) -> ModelConfig:
    return ModelConfig(name="bot", model="scripted", script={"callable": "helpers:sentiment_responder"},
                       price=PRICE, **kw)


@pytest.fixture
def task(tmp_path):
    return load_task(write_task(tmp_path / "t", sentiment_rows(80)))


def test_climb_runs_rungs_recommends_and_confirms_on_test(task, tmp_path):
    result = climb(task, ["bot"], {"bot": bot()}, baselines=["baseline/majority", "baseline/tfidf-lr"],
                   out_dir=tmp_path / "out", progress=False, options=LadderOptions(shots=4))
    by = {(r.model, r.rung): r for r in result.rungs}
    assert by[("baseline/majority", "baseline")].status == "ran"
    zero = by[("bot", "zero-shot")]
    best_bot = max((r for r in result.rungs if r.model == "bot" and r.status == "ran"), key=lambda r: r.score)
    assert zero.status == "ran" and best_bot.score > zero.score  # demos help this scripted model
    assert all(r.status in ("ran", "stopped-no-gain") for r in result.rungs)
    cascade = [r for r in result.rungs if r.rung == "cascade"]
    assert len(cascade) == 1 and cascade[0].model.startswith("baseline/tfidf-lr → bot")
    assert cascade[0].status == "stopped-no-gain" or cascade[0].cost_per_1k_calls <= best_bot.cost_per_1k_calls
    assert all(r.estimated_cost_usd is not None for r in result.rungs if r.model == "bot")
    rec = result.recommendation
    assert rec is not None and result.test["status"] == "ran" and result.test["n"] == len(task.test)
    assert (tmp_path / "out" / "pipeline.yaml").exists()
    # the recommendation is the cheapest run that is not significantly worse than the best
    best = max(r.score for r in result.rungs if r.status == "ran")
    assert rec["score"] >= best - 0.2


def test_unreachable_and_keyless_models_get_estimates_not_failures(task, monkeypatch):
    monkeypatch.delenv("NOPE_KEY", raising=False)
    models = {"keyless": ModelConfig(name="keyless", model="openai/gpt-4o-mini", api_key_env="NOPE_KEY"),
              "down": ModelConfig(name="down", model="openai/x", api_base="http://127.0.0.1:9/v1", price=PRICE)}
    result = climb(task, ["keyless", "down"], models, baselines=[], progress=False, confirm_on_test=False)
    assert {r.status for r in result.rungs} == {"no-access"}
    assert all(r.estimated_cost_usd and r.estimated_cost_usd > 0 for r in result.rungs)
    assert result.recommendation is None and result.spent_usd == 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.floats(min_value=0.0, max_value=0.6))
def test_budget_is_never_exceeded(tmp_path_factory, budget):
    folder = tmp_path_factory.mktemp("b")
    import os

    os.environ["TASKLADDER_HOME"] = str(folder / "home")
    task = load_task(write_task(folder / "t", sentiment_rows(40)))
    result = climb(task, ["bot"], {"bot": bot()}, budget_usd=budget, baselines=[], progress=False,
                   options=LadderOptions(shots=4, rationale_pool=8))
    assert result.spent_usd <= budget + 1e-9
    spent_by_rungs = sum(r.cost_usd_spent for r in result.rungs)
    assert spent_by_rungs <= budget + 1e-9
    if budget < 0.001:
        assert all(r.status == "skipped-budget" for r in result.rungs)


def test_interrupted_climb_resumes_without_repeating_calls(task, tmp_path, monkeypatch):
    calls = helpers.CALLS
    calls.clear()
    fresh_home = tmp_path / "fresh"
    monkeypatch.setenv("TASKLADDER_HOME", str(fresh_home))
    climb(task, ["bot"], {"bot": bot()}, baselines=[], progress=False, confirm_on_test=False)
    uninterrupted = len(calls)

    monkeypatch.setenv("TASKLADDER_HOME", str(tmp_path / "resumed"))
    calls.clear()
    real = helpers.sentiment_responder

    def dies_on_call_15(messages):
        if len(calls) == 14:
            raise KeyboardInterrupt
        return real(messages)

    monkeypatch.setattr(helpers, "sentiment_responder", dies_on_call_15)
    with pytest.raises(KeyboardInterrupt):
        climb(task, ["bot"], {"bot": bot()}, baselines=[], progress=False, confirm_on_test=False)
    persisted = Store().cache_stats()["calls"]
    # The interrupted process gave its claims up, so the resume below does not wait on them.
    assert Store()._db.execute("SELECT COUNT(*) FROM call_claims").fetchone()[0] == 0
    assert 0 < persisted < uninterrupted
    monkeypatch.setattr(helpers, "sentiment_responder", real)
    calls.clear()
    climb(task, ["bot"], {"bot": bot()}, baselines=[], progress=False, confirm_on_test=False)
    # Calls persisted before the interrupt are never made again: the resumed climb makes
    # exactly the rest (calls still in flight at the interrupt were never persisted).
    assert persisted + len(calls) == uninterrupted


def test_cli_climb_json_and_identical_rerun_from_spec(tmp_path):
    path = write_task(tmp_path / "t", sentiment_rows(60))
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  - name: bot\n    model: scripted\n    script: {callable: 'helpers:sentiment_responder'}\n"
                      "    price: {input_per_mtok: 1.0, output_per_mtok: 2.0}\n")
    runner = CliRunner()
    out = runner.invoke(app, ["climb", str(path), "--models", str(models), "--budget", "5", "--json",
                              "--out", str(tmp_path / "out")], catch_exceptions=False)
    payload = json.loads(out.stdout)
    assert {"rungs", "recommendation", "test"} <= set(payload)
    for r in payload["rungs"]:
        assert {"model", "rung", "pipeline", "score", "ci_low", "ci_high", "cost_per_1k_calls",
                "projected_monthly_usd", "estimated_cost_usd", "status"} <= set(r)
    assert (tmp_path / "out" / "report.html").exists() and (tmp_path / "out" / "climb.json").exists()
    spec = tmp_path / "out" / "pipeline.yaml"
    rec = payload["recommendation"]
    rerun = json.loads(runner.invoke(app, ["eval", str(path), "--models", str(models), "--pipeline", str(spec),
                                           "--json"], catch_exceptions=False).stdout)
    assert rerun["score"] == pytest.approx(rec["score"])
    if not rec["model"].startswith("baseline/"):
        assert rerun["calls"] == 0 and rerun["cached_calls"] == rerun["n"]
