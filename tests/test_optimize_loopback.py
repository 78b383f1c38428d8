"""optimize over real HTTP (a loopback OpenAI-compatible server that counts tokens itself): the
task model and the proposer are hosted models, and the budget holds against the server's counts."""

from __future__ import annotations

import json
import sqlite3

import pytest
from helpers import write_task
from test_optimize import proposer, rows, task_model

from taskladder.models.config import ModelConfig
from taskladder.optimize import OptimizeOptions, optimize
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.testing import LoopbackServer

PRICE = {"input_per_mtok": 15.0, "output_per_mtok": 60.0}


def answer(request: dict) -> str:
    messages = request["messages"]
    return proposer(messages) if "<instruction>" in messages[0]["content"] else task_model(messages)


@pytest.mark.parametrize("budget", [0.25, 5.0])
def test_optimize_over_http_never_passes_the_budget(tmp_path, budget):
    task = load_task(write_task(tmp_path / "task", rows(90), name="tickets", split={"dev": 0.25, "test": 0.25, "seed": 0}))
    store = Store(tmp_path / "s.db")
    with LoopbackServer(answer, latency_ms=2) as srv:
        cfg = ModelConfig(name="http-bot", model="openai/loopback", api_base=srv.base_url, price=PRICE, concurrency=8)
        result = optimize(task, "http-bot", budget_usd=budget, models={"http-bot": cfg}, store=store,
                          options=OptimizeOptions(rounds=2, proposals=1, shots=2, demo_seeds=1, knn=False,
                                                  rationale_pool=4, feedback=12))
        sent = srv.request_count
    out = result.as_json()
    with sqlite3.connect(store.path) as db:
        paid = float(db.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM calls").fetchone()[0])
    assert sent > 0 and 0 < paid <= budget
    assert out["spent_usd"]["total"] == pytest.approx(paid)
    assert json.dumps(out)  # the summary is plain JSON
    if budget < 1:
        assert out["stopped"] and out["stopped"].startswith("budget")
    else:
        assert out["stopped"] is None and out["best"]["dev_score"] > out["zero_shot"]["dev_score"]
