"""`taskladder arena`: an LLM judge (scripted) ranks runs pairwise; both orders; cached calls."""

from __future__ import annotations

import json

from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli import app

runner = CliRunner()


def test_arena_ranks_the_better_run_first_and_measures_position_bias(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(60))
    models = tmp_path / "models.yaml"
    models.write_text(
        "models:\n"
        "  - {name: bot, model: scripted, script: {callable: 'helpers:sentiment_responder'}}\n"
        "  - {name: judge, model: scripted, script: {callable: 'helpers:sentiment_judge'}}\n")

    def run(*args):
        return json.loads(runner.invoke(app, [str(a) for a in args], catch_exceptions=False).stdout)

    good = run("eval", task, "-m", "bot", "--models", models, "--shots", "4", "--demos", "bm25", "--json")["run_id"]
    bad = run("eval", task, "-m", "baseline/majority", "--json")["run_id"]
    out = run("arena", good, bad, "--judge", "judge", "--models", models, "--json",
              "--save-judgments", tmp_path / "j.jsonl", "--report", tmp_path / "arena.html", "--dpo", tmp_path / "dpo")
    names = [r["name"] for r in out["ratings"]]
    assert names[0].startswith("bot") and out["ratings"][0]["rating"] > out["ratings"][1]["rating"]
    assert out["n_items"] == 15 and out["n_judgments"] == 30  # both orders per pair and example
    # 30 judgments; where both runs gave the same answer the two orders are one identical prompt, paid once
    assert out["judge_calls"] + out["judge_cached_calls"] == 30 and out["judge_calls"] < 30
    assert out["position_bias"]["first_slot_share"] is not None
    lines = (tmp_path / "j.jsonl").read_text().splitlines()
    assert len(lines) == 30 and {json.loads(x)["first"] for x in lines} == {"a", "b"}
    assert "arena" in (tmp_path / "arena.html").read_text().lower()
    again = run("arena", good, bad, "--judge", "judge", "--models", models, "--json")
    assert again["judge_calls"] == 0 and again["judge_cached_calls"] == 30
    # consistent wins became DPO pairs that pass the validator: the better run's answer is chosen
    assert out["dpo"]["pairs"] > 0
    from taskladder.finetune import validate_file

    pairs = [json.loads(x) for f in out["dpo"]["files"] for x in open(f)]
    assert len(pairs) == out["dpo"]["pairs"] and all(validate_file(f, "dpo").ok for f in out["dpo"]["files"])
    assert all(p["chosen"] != p["rejected"] for p in pairs)
    ranked = run("rank", tmp_path / "j.jsonl", "--json")
    assert [r["name"] for r in ranked["ratings"]] == names
