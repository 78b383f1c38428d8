"""Issue 13, "Money.": every spend shown reconciles with the calls table, one prompt is one
cache entry across commands, no-access models are projected, two processes never pay twice,
prices count every call once, money prints with enough digits, OPENAI_API_BASE is honoured."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest
import yaml
from helpers import sentiment_responder, sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.models.config import ModelConfig
from taskladder.money import usd
from taskladder.runner.calls import ModelCaller, call_key
from taskladder.store import Store
from taskladder.testing import LoopbackServer

PRICE = "price: {input_per_mtok: 15.0, output_per_mtok: 60.0}"


def _models(tmp_path, srv, name="http-bot", concurrency=8):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n"
                    f"  - {{name: {name}, model: openai/loopback, api_base: '{srv.base_url}', "
                    f"concurrency: {concurrency}, {PRICE}}}\n")
    return path


def _calls_table_usd() -> float:
    """The ledger: what every call in this test's store cost."""
    return sum(m["cost_usd"] for m in Store().cache_stats()["models"])


def _invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_climb_spend_reconciles_with_the_calls_table_to_the_cent(tmp_path):
    """Rungs (the rationale bootstrap included), the test confirmation and the climb's total
    all add up to what the calls table holds."""
    task = write_task(tmp_path / "t", sentiment_rows(48))
    with LoopbackServer(lambda request: sentiment_responder(request["messages"])) as srv:
        models = _models(tmp_path, srv)
        out = tmp_path / "out"
        result = _invoke("climb", task, "--models", models, "--rungs", "zero-shot,knn-cot", "--no-baselines",
                         "--quiet", "--out", out)
    payload = json.loads((out / "climb.json").read_text())
    ledger = _calls_table_usd()
    rows = sum(r["cost_usd_spent"] for r in payload["rungs"])
    test = (payload["test"] or {}).get("cost_usd_spent") or 0.0
    assert ledger > 0 and any(r["rung"] == "knn-cot" and r["status"] == "ran" for r in payload["rungs"])
    assert round(rows + test, 2) == round(ledger, 2) and abs(rows + test - ledger) < 1e-9
    assert abs(payload["spent_usd"] - ledger) < 1e-9
    assert f"Spent this climb: {usd(ledger)}" in result.stdout
    # each rung's spend is its own run's calls in the table
    db = sqlite3.connect(Store().path)
    for row in payload["rungs"]:
        if row["run_id"]:
            paid = db.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE run_id = ?", (row["run_id"],))
            assert abs(paid.fetchone()[0] - row["cost_usd_spent"]) < 1e-12


def test_eval_of_a_rationale_pipeline_counts_the_bootstrap_calls(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(40))
    spec = tmp_path / "pipeline.yaml"
    spec.write_text(yaml.safe_dump({"model": "http-bot", "reasoning": True, "demos": {
        "strategy": "bm25", "k": 2, "rationales": True, "rationale_pool": 12}}))
    with LoopbackServer(lambda request: sentiment_responder(request["messages"])) as srv:
        models = _models(tmp_path, srv)
        result = _invoke("eval", task, "--models", models, "--pipeline", spec, "--quiet")
        sent = srv.request_count
    ledger = _calls_table_usd()
    assert sent > 10 + 12 - 1  # the dev split plus the bootstrap
    assert f"spent this run: {usd(ledger)}" in result.stdout, result.stdout


def test_eval_then_climb_shares_one_cache_entry_per_prompt(tmp_path):
    """eval sends {temperature: 0}, the climb {max_tokens, temperature: 0}: same prompt, same call."""
    task = write_task(tmp_path / "t", sentiment_rows(40))
    with LoopbackServer(lambda request: sentiment_responder(request["messages"])) as srv:
        models = _models(tmp_path, srv)
        _invoke("eval", task, "--models", models, "-m", "http-bot", "--shots", "8", "--quiet")
        after_eval = srv.request_count
        _invoke("climb", task, "--models", models, "--rungs", "few-shot", "--shots", "8", "--no-baselines",
                "--no-test", "--quiet", "--out", tmp_path / "out")
        new = srv.request_count - after_eval
    payload = json.loads((tmp_path / "out" / "climb.json").read_text())
    (row,) = [r for r in payload["rungs"] if r["rung"] == "few-shot"]
    assert after_eval > 0 and row["status"] == "ran"
    assert new == 0 and row["cost_usd_spent"] == 0


class _CountingClient:
    """A provider that answers with as many tokens as asked for (capped at 5)."""

    def __init__(self):
        self.sent: list[dict] = []

    async def complete(self, messages, params):
        from taskladder.models.llm import CallResult

        self.sent.append(params)
        n = min(5, params.get("max_tokens") or 5)
        return CallResult(texts=["x " * n], input_tokens=3, output_tokens=n)


def test_the_cache_key_keeps_what_changes_the_answer(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    client = _CountingClient()
    caller = ModelCaller(ModelConfig(name="m", model="openai/m"), store, client=client)
    msgs = [{"role": "user", "content": "hi"}]

    async def go():
        await caller.call(msgs, {"max_tokens": 2})  # cut at 2 tokens: not what a larger cap gets
        await caller.call(msgs, {"max_tokens": 50})  # sent: the answer above was cut
        await caller.call(msgs, {})  # the complete answer fits: shared
        await caller.call(msgs, {"max_tokens": 10})  # fits within 10: shared
        await caller.call(msgs, {"temperature": 0.7})  # another temperature is another answer
        await caller.call(msgs, {"max_tokens": 2})  # its own capped answer is still there

    asyncio.run(go())
    assert [(p.get("max_tokens"), p["temperature"]) for p in client.sent] == [(2, 0), (50, 0), (None, 0.7)]
    assert call_key({}, msgs, {"temperature": 0}, 0) == call_key({}, msgs, {"temperature": 0, "max_tokens": 9}, 0)
    assert call_key({}, msgs, {"temperature": 0}, 0) != call_key({}, msgs, {"temperature": 1}, 0)


def test_a_model_that_cannot_be_called_is_projected_per_call_and_per_month(tmp_path, monkeypatch):
    monkeypatch.delenv("NOKEY_API_KEY", raising=False)
    task = write_task(tmp_path / "t", sentiment_rows(40), volume={"calls_per_day": 2000})
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  - {name: dear, model: openai/gpt-dear, api_key_env: NOKEY_API_KEY, "
                      f"{PRICE}}}\n")
    result = _invoke("climb", task, "--models", models, "--rungs", "zero-shot,few-shot", "--no-baselines",
                     "--quiet", "--out", tmp_path / "out")
    rows = json.loads((tmp_path / "out" / "climb.json").read_text())["rungs"]
    assert rows and all(r["status"] == "no-access" for r in rows)
    for r in rows:
        assert r["cost_per_1k_calls"] > 0
        assert r["projected_monthly_usd"] == pytest.approx(r["cost_per_1k_calls"] / 1000 * 2000 * 30)
    assert usd(rows[0]["cost_per_1k_calls"]) in result.stdout
    assert usd(rows[0]["projected_monthly_usd"]) in result.stdout


def test_two_processes_never_pay_for_the_same_call_twice(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(32))  # 8 dev examples

    def slow(request):
        time.sleep(0.4)
        return sentiment_responder(request["messages"])

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with LoopbackServer(slow) as srv:
        models = _models(tmp_path, srv, concurrency=2)
        command = [sys.executable, "-m", "taskladder", "eval", str(task), "--models", str(models), "-m", "http-bot",
                   "--quiet", "--json"]
        procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        sent = srv.request_count
        bodies = [(r.path, json.dumps(r.body)) for r in srv.requests]
    assert all(p.returncode == 0 for p in procs), outs
    assert sent == 8, (len(set(bodies)), [o[1][-2000:] for o in outs])


def test_a_claim_left_by_a_killed_process_is_taken_over(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    store._db.execute("INSERT INTO call_claims VALUES ('k', 'gone', ?, ?, ?)",
                      (dead.pid, socket.gethostname(), time.time() + 3600))
    assert store.claim_call("k", "me", 60) is None
    store._db.execute("INSERT INTO call_claims VALUES ('k2', 'other', ?, 'elsewhere', ?)", (1, time.time() - 1))
    assert store.claim_call("k2", "me", 60) is None  # expired
    assert store.claim_call("k2", "you", 60) == "me"  # held and alive: the other waits


def _judge_responder(request):
    messages = request["messages"]
    if "Answer A" in messages[-1]["content"]:
        return "Both say the same. [[TIE]]"
    return sentiment_responder(messages)


def test_best_of_n_prices_a_repeated_judge_prompt_once(tmp_path):
    """Samples that agree give judge prompts identical to their swapped twins: one call each."""
    task = write_task(tmp_path / "t", sentiment_rows(40))
    with LoopbackServer(_judge_responder) as srv:
        models = _models(tmp_path, srv)
        store = Store()
        from taskladder.models.config import load_models
        from taskladder.pipeline import PipelineSpec
        from taskladder.runner import evaluate
        from taskladder.task import load_task

        spec = PipelineSpec.model_validate({"model": "http-bot", "sampling": {
            "n": 3, "select": "judge", "judge": "http-bot", "schedule": "round-robin"}})
        run = evaluate(load_task(task), spec, models=load_models(models), store=store, progress=False)
    ledger = _calls_table_usd()
    assert run.summary.cost_usd == pytest.approx(ledger, rel=1e-9)  # every call priced once
    assert run.summary.cost_usd_spent == pytest.approx(ledger, rel=1e-9)
    assert run.summary.cost_per_1k_calls == pytest.approx(ledger / run.summary.n * 1000, rel=1e-9)


@pytest.mark.parametrize(("value", "text"), [
    (0.0027, "$0.0027"), (0.005, "$0.0050"), (0.1596, "$0.1596"), (0.000012, "$0.000012"), (3.5201, "$3.52"),
    (1234.5, "$1,234.50"), (0, "$0"), (None, "unknown")])
def test_money_keeps_enough_digits(value, text):
    from taskladder.cli.common import money
    from taskladder.report.fmt import usd as report_usd

    assert usd(value) == text and money(value, 2) == text and report_usd(value) == text


def test_small_budgets_and_spends_print_with_their_digits(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(40))
    with LoopbackServer(lambda request: sentiment_responder(request["messages"])) as srv:
        models = _models(tmp_path, srv)
        result = _invoke("climb", task, "--models", models, "--rungs", "zero-shot", "--no-baselines", "--no-test",
                         "--quiet", "--budget", "0.05", "--out", tmp_path / "out")
    spent = json.loads((tmp_path / "out" / "climb.json").read_text())["spent_usd"]
    assert 0 < spent < 0.01
    assert f"Spent this climb: {usd(spent)} of $0.0500" in result.stdout
    assert "$0.00 " not in result.stdout and "$0.00…" not in result.stdout and "$0.0…" not in result.stdout


def test_openai_api_base_is_honoured_on_the_direct_path(tmp_path, monkeypatch):
    task = write_task(tmp_path / "t", sentiment_rows(40))
    with LoopbackServer(lambda request: sentiment_responder(request["messages"])) as srv:
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        monkeypatch.setenv("OPENAI_API_BASE", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        models = tmp_path / "models.yaml"
        models.write_text(f"models:\n  - {{name: direct, model: openai/loopback, transport: openai, {PRICE}}}\n")
        result = _invoke("eval", task, "--models", models, "-m", "direct", "--json", "--quiet")
        sent = srv.request_count
    out = json.loads(result.stdout)
    assert sent == out["n"] and out["errors"] == 0
