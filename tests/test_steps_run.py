"""Running multi-step pipelines on the invoice example: per-step scores against the data's
intermediate gold columns, error attribution, and reruns that pay only for changed steps."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import taskladder.cli.cmd_steps  # noqa: F401  (registers `steps`/`cascade` until cli/__init__ imports it)
from taskladder.cli import app
from taskladder.errors import ConfigError
from taskladder.models.config import ModelConfig, load_models
from taskladder.steps import load_steps, run_steps
from taskladder.store import Store
from taskladder.task import load_task

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "invoice_triage"
APPROVED = {"acme corp", "globex", "initech", "umbrella supplies", "stark office"}


@pytest.fixture
def bot(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))  # invoice_bot and rules live beside the example
    import invoice_bot

    invoice_bot.CALLS.clear()
    return invoice_bot


@pytest.fixture
def task():
    return load_task(EXAMPLE / "task.yaml")


@pytest.fixture
def models():
    return load_models(EXAMPLE / "models.yaml")


def fixed_extract(messages):
    """A better extractor: reads European amounts right (for the rerun test)."""
    import re

    import invoice_bot

    invoice_bot.CALLS["fixed"] += 1
    text = messages[-1]["content"]
    out = json.loads(invoice_bot.extract(messages))
    invoice_bot.CALLS["extract"] -= 1
    euros = re.search(r"EUR ([\d.]+,\d\d)", text)
    if euros:
        out["amount"] = float(euros.group(1).replace(".", "").replace(",", "."))
    return json.dumps(out)


def test_the_example_data_matches_its_generator():
    import sys

    sys.path.insert(0, str(EXAMPLE))
    try:
        from make_data import make_rows
    finally:
        sys.path.remove(str(EXAMPLE))
    with (EXAMPLE / "invoices.csv").open(encoding="utf-8") as fh:
        on_disk = list(csv.DictReader(fh))
    made = make_rows()
    assert [r["id"] for r in on_disk] == [r["id"] for r in made]
    assert [r["decision"] for r in on_disk] == [r["decision"] for r in made]


def test_each_step_is_scored_against_its_gold_columns(bot, task, models):
    result = run_steps(task, load_steps(EXAMPLE / "steps.yaml"), models=models)
    dev = task.dev
    european = [e for e in dev if "EUR " in e.inputs["invoice"]]
    extract = result.steps["extract"]
    # The scripted extractor misreads exactly the European amounts; vendor and days are always right.
    assert 0 < len(european) < len(dev)
    assert extract["fields"]["amount"]["score"] == pytest.approx(1 - len(european) / len(dev))
    assert extract["fields"]["vendor"]["score"] == 1.0 and extract["fields"]["due_days"]["score"] == 1.0
    assert extract["exact"] == pytest.approx(1 - len(european) / len(dev)) and extract["gold_n"] == len(dev)
    assert extract["calls"] == len(dev) == bot.CALLS["extract"] and extract["cost_usd"] > 0
    decide = result.steps["decide"]
    assert decide["kind"] == "python" and decide["calls"] == 0 and decide["cost_usd"] == 0.0
    assert decide["score"] == pytest.approx(result.summary["score"])  # decide supplies the final output
    # The rule is exact, so every final error started at the extractor, on a European amount.
    a = result.attribution
    wrong = [r for r in result.records if r.score < 1]
    assert a["final_errors"] == len(wrong) > 0 and a["by_step"] == {"extract": len(wrong), "decide": 0}
    assert a["upstream_share"] == 1.0
    assert all("EUR " in r.inputs["invoice"] for r in wrong)
    assert a["propagation"]["extract"]["wrong"] == len(european)
    # per-step outputs and costs are on each record's trace
    rec = result.records[0]
    assert set(rec.trace["steps"]) == {"extract", "decide"}
    assert rec.cost_usd == pytest.approx(rec.trace["steps"]["extract"]["cost_usd"])
    assert result.step_outputs[rec.example_id]["decide"] == rec.prediction
    stored = Store().get_records(result.run.run_id)
    assert len(stored) == len(dev) and stored[0].trace["steps"].keys() == rec.trace["steps"].keys()


def test_attribution_splits_blame_between_two_model_steps(bot, task, models):
    result = run_steps(task, load_steps(EXAMPLE / "steps_llm_decide.yaml"), models=models)
    # The scripted decider's slip: due in exactly 7 days from an approved vendor under the limit
    # should escalate, it approves. Counted from the data, on rows the extractor read right.
    slips = [e for e in task.dev if "EUR " not in e.inputs["invoice"] and e.extra["vendor"].casefold() in APPROVED
             and float(e.extra["amount"]) <= 5000 and int(e.extra["due_days"]) == 7]
    a = result.attribution
    assert a["by_step"]["decide"] == len(slips) > 0
    assert a["by_step"]["extract"] > 0
    assert a["final_errors"] == a["by_step"]["decide"] + a["by_step"]["extract"]
    assert result.steps["decide"]["cost_per_1k_calls"] > result.steps["extract"]["cost_per_1k_calls"]


def test_changing_one_step_reruns_only_it_and_what_reads_it(bot, task, models):
    spec = load_steps(EXAMPLE / "steps_llm_decide.yaml")
    n = len(task.dev)
    first = run_steps(task, spec, models=models)
    assert dict(bot.CALLS) == {"extract": n, "decide": n}

    bot.CALLS.clear()
    again = run_steps(task, spec, models=models)  # same spec: all from the cache
    assert sum(bot.CALLS.values()) == 0 and again.summary["cached_calls"] == 2 * n
    assert again.outputs == first.outputs

    bot.CALLS.clear()  # the decide step's prompt changes: only it reruns
    run_steps(task, spec.replace_step("decide", instructions=spec.step("decide").instructions + " Be strict."),
              models=models)
    assert dict(bot.CALLS) == {"decide": n}

    bot.CALLS.clear()  # a better extractor: extract reruns; decide only where the fields it reads changed
    models = {**models, "extractor-v2": ModelConfig(name="extractor-v2", model="scripted",
                                                    script={"callable": "test_steps_run:fixed_extract"})}
    better = run_steps(task, spec.replace_step("extract", model="extractor-v2"), models=models)
    european = [e for e in task.dev if "EUR " in e.inputs["invoice"]]
    assert bot.CALLS["fixed"] == n and bot.CALLS["extract"] == 0
    assert bot.CALLS["decide"] == len(european) > 0
    assert better.steps["extract"]["exact"] == 1.0
    assert better.steps["decide"]["calls"] == len(european)
    assert better.steps["decide"]["cached_calls"] == n - len(european)


def test_llm_steps_take_demos_from_gold_columns_and_can_sample(bot, task, models):
    spec = load_steps(EXAMPLE / "steps_llm_decide.yaml")
    spec = spec.replace_step("decide", demos={"strategy": "random", "k": 3},
                             sampling={"n": 3, "temperature": 0.7})
    result = run_steps(task, spec, models=models, limit=10)
    train_ids = {e.id for e in task.train}
    for rec in result.records:
        decide = rec.trace["steps"]["decide"]
        assert len(decide["trace"]["demo_ids"]) == 3 and set(decide["trace"]["demo_ids"]) <= train_ids
        assert decide["calls"] + decide["cached_calls"] == 3 and decide["confidence"] == 1.0  # scripted: unanimous
    assert bot.CALLS["decide"] == 3 * 10 and result.steps["decide"]["calls"] == 30
    assert rec.confidence == 1.0  # the final step's vote margin is the record's confidence


def test_demos_without_gold_for_the_step_are_a_config_error(tmp_path, bot, models):
    rows = [{"id": f"i{i}", "invoice": f"Invoice from Globex. Total due: ${i}00.00. Payment due within 30 days.",
             "decision": "approve"} for i in range(1, 9)]
    from helpers import write_task

    task = load_task(write_task(tmp_path / "t", rows, inputs=["invoice"], outputs={"decision": "label"}))
    spec = load_steps(EXAMPLE / "steps_llm_decide.yaml").replace_step("extract", demos={"k": 2})
    with pytest.raises(ConfigError, match="step 'extract' uses demos, but no training row has gold values"):
        run_steps(task, spec, models=models)


def test_a_failing_step_skips_what_reads_it_and_the_run_goes_on(tmp_path, bot, task, models):
    (tmp_path / "flaky.py").write_text(
        "def decide(x):\n"
        "    if x['vendor'] == 'Globex':\n"
        "        raise ValueError('no rule for Globex')\n"
        "    return {'decision': 'approve'}\n")
    spec = load_steps(EXAMPLE / "steps.yaml").replace_step("decide", function=str(tmp_path / "flaky.py") + ":decide")
    result = run_steps(task, spec, models=models)
    globex = [r for r in result.records if r.trace["steps"]["extract"]["output"]["vendor"] == "Globex"]
    assert globex and all(r.parse_status == "error" and "no rule for Globex" in r.error for r in globex)
    assert result.summary["errors"] == len(globex) and result.steps["decide"]["errors"] == len(globex)
    assert all(r.score == 0.0 for r in globex)
    assert len(result.records) == len(task.dev)


def test_an_interrupted_run_resumes_without_repeating_calls(tmp_path, bot, task, models, monkeypatch):
    (tmp_path / "stop.py").write_text(
        "SEEN = []\n"
        "def decide(x):\n"
        "    SEEN.append(x)\n"
        "    if len(SEEN) == 15 and not __import__('os').environ.get('TL_NO_STOP'):\n"
        "        raise KeyboardInterrupt\n"
        "    return {'decision': 'approve'}\n")
    spec = load_steps(EXAMPLE / "steps.yaml").replace_step("decide", function=str(tmp_path / "stop.py") + ":decide")
    with pytest.raises(KeyboardInterrupt):
        run_steps(task, spec, models=models)
    made = bot.CALLS["extract"]
    assert 0 < made <= len(task.dev)
    interrupted = Store().list_runs(task.name)[0]
    assert interrupted.status == "interrupted"
    bot.CALLS.clear()
    monkeypatch.setenv("TL_NO_STOP", "1")
    result = run_steps(task, spec, models=models)
    assert result.run.run_id == interrupted.run_id and result.run.status == "finished"
    assert len(result.records) == len(task.dev)
    assert bot.CALLS["extract"] == len(task.dev) - made  # calls made before the interrupt come from the cache
    assert 0 < result.summary["resumed_records"] <= 14  # finished examples were kept, not rerun


def test_cli_steps_prints_one_json_object_and_fails_in_one_line(bot, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(EXAMPLE)
    runner = CliRunner()
    res = runner.invoke(app, ["steps", "task.yaml", "steps.yaml", "--models", "models.yaml", "--json", "--limit", "12"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n"] == 12 and set(out["steps"]) == {"extract", "decide"} and "attribution" in out
    assert out["pipeline"]["kind"] == "steps" and out["steps"]["extract"]["calls"] == 12
    res = runner.invoke(app, ["steps", "task.yaml", "steps.yaml", "--models", "models.yaml", "-q"])
    assert res.exit_code == 0 and "per step" in res.stdout and "extract" in res.stdout

    from taskladder.cli import main

    broken = tmp_path / "typo.yaml"
    broken.write_text((EXAMPLE / "steps.yaml").read_text().replace("extract.vendor", "extract.vendr"))
    monkeypatch.setattr("sys.argv", ["taskladder", "steps", "task.yaml", str(broken), "--models", "models.yaml"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and len(err) == 1
    assert "typo.yaml: step 'decide' reads 'extract.vendr', but step 'extract' has no output 'vendr'" in err[0]
