"""Failures must not look like results: failed runs, early stops, unknown providers and prices.

Every test drives the real HTTP path (openai SDK) against a LoopbackServer whose faults play
the provider: a rejected key (401), a misspelled model (404), garbage JSON, 100% 429/500.
"""

from __future__ import annotations

import json

import pytest
import yaml
from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.errors import ModelAccessError, RunFailedError
from taskladder.models.config import ModelConfig
from taskladder.runner import evaluate
from taskladder.runner.calls import STOP_AFTER_FATAL
from taskladder.runner.retry import RetryPolicy
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.testing import FaultPlan, LoopbackServer, mapping_responder

RESPONDER = mapping_responder({"great": "pos", "lovely": "pos", "excellent": "pos", "good": "pos",
                               "wonderful": "pos"}, default="neg")


@pytest.fixture
def task_path(tmp_path):
    return write_task(tmp_path / "t", sentiment_rows(80))


@pytest.fixture
def task(task_path):
    return load_task(task_path)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(RetryPolicy, "model_post_init", lambda self, _: setattr(self, "base_s", 0.01) or None)


def models(srv, **kw) -> dict[str, ModelConfig]:
    base = dict(name="loop", model="openai/loopback", api_base=srv.base_url, concurrency=2, timeout_s=2,
                max_retries=2, price={"input_per_mtok": 1.0, "output_per_mtok": 2.0})
    base.update(kw)
    return {"loop": ModelConfig(**base)}


def always(kind: str) -> FaultPlan:
    return FaultPlan(rate=1.0, kinds=(kind,), retry_after_s=0.01)


@pytest.mark.parametrize("kind", ["401", "404"])
def test_auth_and_not_found_stop_after_a_few_calls_and_fail_the_run(task, kind):
    with LoopbackServer(RESPONDER, faults=always(kind)) as srv:
        result = evaluate(task, "loop", models=models(srv), progress=False)
        sent = srv.request_count
    # 20 dev examples, but the provider said no STOP_AFTER_FATAL times: the rest were never sent.
    assert sent <= STOP_AFTER_FATAL + 2  # (+ the calls already in flight at concurrency 2)
    assert result.run.status == "failed" and Store().get_run(result.run.run_id).status == "failed"
    s = result.summary
    assert s.error_rate == 1.0 and f"HTTP {kind}" in (s.failure or "") and "\n" not in s.failure
    assert "sk-loop-wrong-key" not in json.dumps(result.run.model_dump())  # the echoed key is scrubbed


@pytest.mark.parametrize("kind", ["malformed", "429", "500"])
def test_every_call_failing_fails_the_run(task, kind):
    with LoopbackServer(RESPONDER, faults=always(kind)) as srv:
        result = evaluate(task, "loop", models=models(srv), progress=False)
    assert result.run.status == "failed"
    assert result.summary.errors == result.summary.n and result.summary.failure


def test_error_rate_at_or_below_the_threshold_still_finishes(task):
    with LoopbackServer(RESPONDER, faults=FaultPlan(by_index={0: "404"})) as srv:
        result = evaluate(task, "loop", models=models(srv), progress=False)
        strict = evaluate(task, "loop", models=models(srv, concurrency=3), progress=False, max_error_rate=0.0,
                          limit=5)
    assert result.run.status == "finished" and result.summary.errors == 1  # 1 of 20 = 5% <= 10%
    assert strict.run.status == "finished"  # no error at all: 0% is not above 0%


def test_resuming_a_failed_run_asks_again_for_what_errored(task):
    with LoopbackServer(RESPONDER, faults=always("401")) as srv:
        first = evaluate(task, "loop", models=models(srv), progress=False)
        srv.faults = FaultPlan()  # the key was fixed
        again = evaluate(task, "loop", models=models(srv), progress=False)
    assert first.run.status == "failed"
    assert again.run.run_id == first.run.run_id and again.run.status == "finished"
    assert again.summary.errors == 0 and again.summary.score == 1.0


def test_unknown_provider_is_refused_before_any_run_is_stored(task):
    with pytest.raises(ModelAccessError, match="unknown provider 'no'"):
        evaluate(task, "no/such-model-xyz", progress=False)
    assert Store().list_runs(None, 10) == []


def test_unknown_price_stays_unknown_when_every_call_fails(task):
    with LoopbackServer(RESPONDER, faults=always("404")) as srv:
        result = evaluate(task, "loop", models=models(srv, price=None, model="openai/gpt-4o-minii"),
                          progress=False)
    assert result.run.status == "failed"
    assert result.summary.cost_per_1k_calls is None and result.summary.cost_usd is None


def test_parse_failures_above_5_percent_are_flagged(task):
    with LoopbackServer(mapping_responder({"great": "pos"}, default="no idea")) as srv:
        result = evaluate(task, "loop", models=models(srv), progress=False)
    s = result.summary
    assert s.parse_failures_high is True and s.parse_failure_rate == pytest.approx(s.parse_failures / s.n)
    assert result.run.status == "finished"  # the model's answers, not the provider's failure


# ---- the CLI ---------------------------------------------------------------------------------

def write_models(tmp_path, srv, **kw):
    entry = {"name": "loop", "model": "openai/loopback", "api_base": srv.base_url, "concurrency": 2,
             "timeout_s": 2, "max_retries": 1, "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}, **kw}
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": [entry]}))
    return path


def test_eval_of_a_failed_run_exits_3_with_one_line_naming_the_status(task_path, tmp_path):
    with LoopbackServer(RESPONDER, faults=always("401")) as srv:
        result = CliRunner().invoke(app, ["eval", str(task_path), "-m", "loop", "--models",
                                          str(write_models(tmp_path, srv)), "--json"])
    assert isinstance(result.exception, RunFailedError) and result.exception.exit_code == 3
    message = str(result.exception)
    assert "HTTP 401" in message and "Incorrect API key" in message and "\n" not in message
    assert "sk-loop-wrong-key" not in message
    assert json.loads(result.stdout)["status"] == "failed"


def test_eval_max_error_rate_flag_and_setting(task_path, tmp_path, monkeypatch):
    with LoopbackServer(RESPONDER, faults=FaultPlan(by_index={0: "404"})) as srv:
        path = write_models(tmp_path, srv)
        strict = CliRunner().invoke(app, ["eval", str(task_path), "-m", "loop", "--models", str(path), "--json",
                                          "--max-error-rate", "0.01"])
        assert isinstance(strict.exception, RunFailedError)
        srv.faults = FaultPlan(by_index={0: "404"})
        srv.reset()
        monkeypatch.setenv("TASKLADDER_MAX_ERROR_RATE", "0.5")
        lenient = CliRunner().invoke(app, ["eval", str(task_path), "-m", "loop", "--models", str(path), "--json",
                                           "--limit", "4"])
    assert lenient.exit_code == 0, lenient.output


def test_runs_and_compare_mark_failed_runs(task_path, tmp_path):
    with LoopbackServer(RESPONDER, faults=always("404")) as srv:
        bad = CliRunner().invoke(app, ["eval", str(task_path), "-m", "loop", "--models",
                                       str(write_models(tmp_path, srv)), "--json"])
    bad_id = json.loads(bad.stdout)["run_id"]
    good_id = json.loads(CliRunner().invoke(app, ["eval", str(task_path), "-m", "baseline/majority",
                                                  "--json"]).stdout)["run_id"]
    listed = json.loads(CliRunner().invoke(app, ["runs", "--json"]).stdout)["runs"]
    assert {r["run_id"]: r["status"] for r in listed}[bad_id] == "failed"
    out = CliRunner().invoke(app, ["compare", good_id, bad_id])
    assert "FAILED" in out.output
    assert json.loads(CliRunner().invoke(app, ["compare", good_id, bad_id, "--json"]).stdout)["status_b"] == "failed"


def test_climb_drops_failed_rungs_and_never_recommends_them(task_path, tmp_path):
    with LoopbackServer(RESPONDER, faults=always("401")) as srv:
        result = CliRunner().invoke(app, ["climb", str(task_path), "--models", str(write_models(tmp_path, srv)),
                                          "--json", "--quiet", "--no-test", "--out", str(tmp_path / "out"),
                                          "--rungs", "zero-shot,few-shot"], catch_exceptions=False)
        sent = srv.request_count
    payload = json.loads(result.stdout)
    llm = [r for r in payload["rungs"] if r["model"] == "loop"]
    assert llm and all(r["status"] == "failed" and r["skip_reason"] for r in llm)
    assert "HTTP 401" in llm[0]["skip_reason"]
    assert sent <= STOP_AFTER_FATAL + 2  # the later rung was not even tried
    assert payload["recommendation"] is None or payload["recommendation"]["model"] != "loop"
    saved = json.loads((tmp_path / "out" / "climb.json").read_text())
    assert [r["skip_reason"] for r in saved["rungs"] if r["model"] == "loop"] == [r["skip_reason"] for r in llm]


def test_climb_drops_a_rung_whose_answers_cannot_be_parsed(task_path, tmp_path):
    with LoopbackServer(mapping_responder({}, default="I cannot say")) as srv:
        result = CliRunner().invoke(app, ["climb", str(task_path), "--models", str(write_models(tmp_path, srv)),
                                          "--quiet", "--no-test", "--out", str(tmp_path / "out"),
                                          "--rungs", "zero-shot"], catch_exceptions=False)
    assert "could not be parsed" in result.output
    saved = json.loads((tmp_path / "out" / "climb.json").read_text())
    row = next(r for r in saved["rungs"] if r["model"] == "loop")
    assert row["status"] == "failed" and "could not be parsed" in row["skip_reason"]
    assert saved["recommendation"] is None or saved["recommendation"]["model"] != "loop"


def test_eval_table_flags_parse_failures(task_path, tmp_path):
    with LoopbackServer(mapping_responder({"great": "pos"}, default="no idea")) as srv:
        result = CliRunner().invoke(app, ["eval", str(task_path), "-m", "loop", "--models",
                                          str(write_models(tmp_path, srv)), "-q"], catch_exceptions=False)
        as_json = json.loads(CliRunner().invoke(app, ["eval", str(task_path), "-m", "loop", "--models",
                                                      str(write_models(tmp_path, srv)), "--json"]).stdout)
    assert "could not be parsed" in result.output and "⚠" in result.output
    assert as_json["parse_failures_high"] is True and as_json["parse_failure_rate"] > 0.05


def test_a_long_lived_caller_can_keep_sending_after_refusals():
    import asyncio

    from taskladder.runner.calls import ModelCaller

    async def ask(caller, n):
        return [await caller.call([{"role": "user", "content": f"q{i}"}]) for i in range(n)]

    with LoopbackServer(RESPONDER, faults=always("401")) as srv:
        run_caller = ModelCaller(models(srv)["loop"], Store())
        served = ModelCaller(models(srv)["loop"], Store(), stop_on_refusal=False)
        stopped = asyncio.run(ask(run_caller, 6))
        sent_by_run = srv.request_count
        asyncio.run(ask(served, 6))
        assert srv.request_count - sent_by_run == 6  # serve: every request still reaches the provider
    assert sent_by_run == STOP_AFTER_FATAL and all(o.error for o in stopped)
    assert stopped[-1].error.startswith("not sent") and "HTTP 401" in stopped[-1].error


def test_cli_refuses_an_unknown_provider_with_exit_2(task_path):
    result = CliRunner().invoke(app, ["eval", str(task_path), "-m", "no/such-model-xyz"])
    assert isinstance(result.exception, ModelAccessError) and result.exception.exit_code == 2
    assert "unknown provider 'no'" in str(result.exception) and "\n" not in str(result.exception)


def test_the_installed_cli_exits_3_with_one_line_on_stderr(task_path, tmp_path):
    import os
    import subprocess
    import sys

    with LoopbackServer(RESPONDER, faults=always("404")) as srv:
        proc = subprocess.run([sys.executable, "-m", "taskladder", "eval", str(task_path), "-m", "loop", "--models",
                               str(write_models(tmp_path, srv)), "-q"], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ))
    assert proc.returncode == 3
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "HTTP 404" in errors[0] and "does not exist" in errors[0]
    assert "Traceback" not in proc.stderr


def test_a_failed_test_confirmation_is_not_reported_as_confirmed(task_path, task, tmp_path):
    from taskladder.testing import FailFirst

    fail_test = [FailFirst(substring=e.inputs["text"], times=100, kind="404") for e in task.test]
    with LoopbackServer(RESPONDER, faults=FaultPlan(fail_first=fail_test)) as srv:
        result = CliRunner().invoke(app, ["climb", str(task_path), "--models", str(write_models(tmp_path, srv)),
                                          "--quiet", "--no-baselines", "--out", str(tmp_path / "out"),
                                          "--rungs", "zero-shot"], catch_exceptions=False)
    saved = json.loads((tmp_path / "out" / "climb.json").read_text())
    assert saved["recommendation"]["model"] == "loop"  # dev ran cleanly
    assert saved["test"]["status"] == "failed" and "HTTP 404" in saved["test"]["reason"]
    assert "Test confirmation failed" in result.output and "Confirmed on test" not in result.output


def test_steps_of_a_failed_run_exits_3_like_eval(task_path, tmp_path):
    steps = tmp_path / "steps.yaml"
    steps.write_text(yaml.safe_dump({"name": "one-step", "steps": [
        {"name": "classify", "model": "loop", "instructions": "Classify the text.", "inputs": ["text"],
         "outputs": {"label": "label"}}]}))
    with LoopbackServer(RESPONDER, faults=always("401")) as srv:
        result = CliRunner().invoke(app, ["steps", str(task_path), str(steps), "--models",
                                          str(write_models(tmp_path, srv)), "--json"])
    assert isinstance(result.exception, RunFailedError) and result.exception.exit_code == 3
    assert "HTTP 401" in str(result.exception)
    assert json.loads(result.stdout)["status"] == "failed"
