"""The whole climb over real HTTP: usage counted by the server, the budget still never passed."""

from __future__ import annotations

import json

import pytest
from helpers import sentiment_responder, sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.store import Store
from taskladder.testing import LoopbackServer


@pytest.mark.parametrize("budget", [0.12, 2.0])
def test_climb_over_http_respects_the_budget_with_server_counted_tokens(tmp_path, budget):
    task = write_task(tmp_path / "t", sentiment_rows(80))
    with LoopbackServer(lambda request: sentiment_responder(request["messages"]), latency_ms=5) as srv:
        models = tmp_path / "models.yaml"
        models.write_text(
            "models:\n"
            f"  - {{name: http-bot, model: openai/loopback, api_base: '{srv.base_url}', concurrency: 8,\n"
            "      price: {input_per_mtok: 15.0, output_per_mtok: 60.0}}\n")
        result = CliRunner().invoke(app, ["climb", str(task), "--models", str(models), "--budget", str(budget),
                                          "--shots", "4", "--json", "--quiet", "--no-baselines",
                                          "--out", str(tmp_path / "out")], catch_exceptions=False)
        sent = srv.request_count
    payload = json.loads(result.stdout)
    paid = Store().cache_stats()["models"][0]["cost_usd"] if sent else 0.0
    # What the provider would bill (the server's own token counts x price) never passes the budget.
    assert paid <= budget + 1e-9 and payload["spent_usd"] <= budget + 1e-9
    statuses = {r["rung"]: r["status"] for r in payload["rungs"]}
    assert statuses["zero-shot"] == "ran" and sent > 0
    if budget < 1:
        assert "skipped-budget" in statuses.values()  # the dear rungs could not fit
    ran = [r for r in payload["rungs"] if r["status"] == "ran"]
    assert all(r["cost_per_1k_calls"] > 0 for r in ran)
    # the estimate that decided each rung bounds what it then paid
    assert all(r["cost_usd_spent"] <= r["max_cost_usd"] + 1e-9 for r in ran)
