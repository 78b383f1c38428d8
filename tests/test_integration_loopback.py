"""The real provider path (openai SDK and LiteLLM over HTTP) against the loopback server."""

from __future__ import annotations

import pytest
from helpers import sentiment_rows, write_task

from taskladder.models.config import ModelConfig
from taskladder.runner import evaluate
from taskladder.runner.retry import RetryPolicy
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.testing import FailFirst, FaultPlan, LoopbackServer, mapping_responder

RESPONDER = mapping_responder({"great": "pos", "lovely": "pos", "excellent": "pos", "good": "pos",
                               "wonderful": "pos"}, default="neg")


@pytest.fixture
def task(tmp_path):
    return load_task(write_task(tmp_path / "t", sentiment_rows(40)))


def cfg(srv, **kw) -> dict[str, ModelConfig]:
    base = dict(name="loop", model="openai/loopback", api_base=srv.base_url, concurrency=4, timeout_s=2,
                price={"input_per_mtok": 1.0, "output_per_mtok": 2.0})
    base.update(kw)
    return {"loop": ModelConfig(**base)}


@pytest.mark.parametrize("transport", ["openai", "litellm"])
def test_eval_over_http_with_usage_and_cost(task, transport):
    with LoopbackServer(RESPONDER) as srv:
        result = evaluate(task, "loop", models=cfg(srv, transport=transport), progress=False)
    s = result.summary
    assert s["n"] == 10 and s["score"] == 1.0 and s["calls"] == 10 and s["errors"] == 0
    assert s["input_tokens"] > 0 and s["cost_usd"] == pytest.approx(
        (s["input_tokens"] * 1.0 + s["output_tokens"] * 2.0) / 1e6)
    assert s["projected_monthly_usd"] == pytest.approx(s["cost_usd"] / 10 * 1000 * 30)
    assert all(r.body["temperature"] == 0 for r in srv.requests)  # evaluation default
    assert not any(r.has_authorization is False for r in srv.requests)


@pytest.mark.parametrize("transport", ["openai", "litellm"])
def test_faults_are_retried_until_every_example_is_answered(task, monkeypatch, transport):
    monkeypatch.setattr(RetryPolicy, "model_post_init", lambda self, _: setattr(self, "base_s", 0.01) or None)
    faults = FaultPlan(by_index={0: "429", 1: "500", 2: "truncated", 3: "malformed", 4: "drop", 5: "timeout"},
                       retry_after_s=0.2, timeout_hold_s=3)
    with LoopbackServer(RESPONDER, faults=faults) as srv:
        result = evaluate(task, "loop", models=cfg(srv, transport=transport, concurrency=2), progress=False)
        assert len(srv.requests) == 10 + 6
    s = result.summary
    assert s["errors"] == 0 and s["score"] == 1.0 and s["retries"] == 6


def test_failure_outlasting_retries_is_recorded_and_run_goes_on(task, monkeypatch):
    monkeypatch.setattr(RetryPolicy, "model_post_init", lambda self, _: setattr(self, "base_s", 0.01) or None)
    victim = task.dev[3].inputs["text"]
    with LoopbackServer(RESPONDER, faults=FaultPlan(fail_first=[FailFirst(substring=victim, times=50)])) as srv:
        result = evaluate(task, "loop", models=cfg(srv, max_retries=2), progress=False)
    failed = [r for r in result.records if r.error]
    assert [r.example_id for r in failed] == [task.dev[3].id]
    assert "gave up after 3 attempts" in failed[0].error and failed[0].score == 0.0
    assert result.summary["errors"] == 1 and result.summary["n"] == 10


def test_rerun_is_free_and_reports_original_cost(task):
    with LoopbackServer(RESPONDER, latency_ms=30) as srv:
        first = evaluate(task, "loop", models=cfg(srv), progress=False, store=Store())
        n_requests = len(srv.requests)
        again = evaluate(task, "loop", models=cfg(srv), progress=False, store=Store())
        assert len(srv.requests) == n_requests  # nothing new sent
    assert again.run.run_id != first.run.run_id
    assert again.summary["cached_calls"] == 10 and again.summary["calls"] == 0
    assert again.summary["cost_usd"] == pytest.approx(first.summary["cost_usd"])
    assert again.summary["cost_usd_spent"] == 0.0 and first.summary["cost_usd_spent"] > 0
    assert again.summary["latency_p50_ms"] == pytest.approx(first.summary["latency_p50_ms"])


def test_parse_failures_are_counted_not_raised(task):
    with LoopbackServer(mapping_responder({}, default="I would say it is positive-ish")) as srv:
        result = evaluate(task, "loop", models=cfg(srv), progress=False)
    assert result.summary["parse_failures"] == 10 and result.summary["score"] == 0.0
    assert all(r.raw_text == "I would say it is positive-ish" and r.parse_error for r in result.records)


def test_api_key_is_sent_but_never_stored(task, monkeypatch, tmp_path):
    monkeypatch.setenv("LOOP_KEY", "sk-secret-value-123")
    with LoopbackServer(RESPONDER) as srv:
        models = cfg(srv, api_key_env="LOOP_KEY")
        evaluate(task, "loop", models=models, progress=False)
        assert all(r.has_authorization for r in srv.requests)
    home = tmp_path / ".taskladder"
    for path in home.rglob("*"):
        if path.is_file():
            assert b"sk-secret-value-123" not in path.read_bytes(), path
