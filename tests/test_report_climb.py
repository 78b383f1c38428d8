"""The climb's report says what the climb decided: the recommendation, its test score, the
budget, models that could not be called (with estimates), why rungs did not run, every run's
worst errors, a confusion matrix, the exact messages of one example per run, failed runs
marked; and the rerun command `climb` prints works as printed."""

from __future__ import annotations

import html as htmllib
import json
import re
import shlex

import pytest
from helpers import sentiment_rows, write_task
from test_report_html import _run, _spec
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.report import render_report

MODELS = """models:
  - name: bot
    model: scripted
    script: {callable: 'helpers:sentiment_responder'}
    price: {input_per_mtok: 1.0, output_per_mtok: 2.0}
  - name: keyless
    model: openai/gpt-4o-mini
    api_key_env: NOPE_KEY_FOR_REPORT_TEST
"""


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def between(html: str, start: str, end: str | None = None) -> str:
    part = html[html.index(f'id="{start}"'):]
    return part[:part.index(f'id="{end}"')] if end else part


@pytest.fixture(scope="module")
def climbed(tmp_path_factory):
    """One CLI climb (bot climbs, keyless cannot be called), shared by the tests below."""
    folder = tmp_path_factory.mktemp("climb")
    mp = pytest.MonkeyPatch()
    mp.setenv("TASKLADDER_HOME", str(folder / "home"))
    mp.delenv("NOPE_KEY_FOR_REPORT_TEST", raising=False)
    task = write_task(folder / "t", sentiment_rows(60))
    models = folder / "models.yaml"
    models.write_text(MODELS)
    out = folder / "out"
    printed = invoke("climb", task, "--models", models, "-m", "bot", "-m", "keyless", "--rungs",
                     "zero-shot,few-shot", "--shots", "2", "--budget", "5", "-o", out)
    assert printed.exit_code == 0, printed.output
    payload = json.loads((out / "climb.json").read_text())
    yield {"printed": printed.stdout, "payload": payload, "html": (out / "report.html").read_text(),
           "folder": folder}
    mp.undo()


def test_the_printed_rerun_command_works_verbatim(climbed, monkeypatch):
    monkeypatch.setenv("TASKLADDER_HOME", str(climbed["folder"] / "home"))
    lines = [line for line in climbed["printed"].splitlines() if line.startswith("Rerun it with: ")]
    assert len(lines) == 1, climbed["printed"]
    args = shlex.split(lines[0].removeprefix("Rerun it with: "))
    assert args[:2] == ["taskladder", "eval"] and "--models" in args
    rerun = invoke(*args[1:], "--json")
    assert rerun.exit_code == 0, rerun.output
    result = json.loads(rerun.stdout)
    rec = climbed["payload"]["recommendation"]
    assert result["score"] == pytest.approx(rec["score"]) and result["calls"] == 0  # replayed from the cache
    assert climbed["payload"]["rerun_command"] == lines[0].removeprefix("Rerun it with: ")


def test_report_says_what_the_climb_decided(climbed):
    html, payload = climbed["html"], climbed["payload"]
    decided = between(html, "decision", "leaderboard")
    rec = payload["recommendation"]
    assert f"Recommended: <b>{rec['model']} · {rec['rung']}</b>" in decided
    test = payload["test"]
    assert test["status"] == "ran" and f"Confirmed on test</b>: score {test['score']:.3f}" in decided
    assert f"on {test['n']} examples" in decided
    assert "Spent this climb" in decided and "budget" in decided
    assert htmllib.escape(payload["rerun_command"]) in decided
    # keyless cannot be called: one row per rung it would climb, with the rung's estimate.
    uncallable = decided[decided.index("Models that could not be called"):]
    keyless = [r for r in payload["rungs"] if r["model"] == "keyless"]
    assert keyless and all(r["status"] == "no-access" and r["estimated_cost_usd"] for r in keyless)
    assert uncallable.count("<b>keyless</b>") == len(keyless) and "NOPE_KEY_FOR_REPORT_TEST" in uncallable
    assert re.search(r'<td class="num">\$[0-9.]+</td>', uncallable)


def test_every_run_shows_its_worst_errors_folded_and_a_confusion_matrix(climbed):
    html, payload = climbed["html"], climbed["payload"]
    ran = [r for r in payload["rungs"] if r["status"] == "ran"]
    errors = between(html, "errors", "messages")
    assert errors.count("<details>") == len(ran) >= 2 and "<details open" not in errors
    labels = between(html, "labels", "errors")
    assert labels.count('class="confusion"') == len(ran)
    # A matrix's cells add up to the examples the run scored: the 15 of the dev split (60 rows, 25%).
    first = labels[labels.index('class="confusion"'):]
    first = first[:first.index("</table>")]
    cells = [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', first)]
    assert sum(cells) == 15 and "no answer" in first


def test_report_shows_the_exact_messages_each_run_sent(climbed):
    html, payload = climbed["html"], climbed["payload"]
    messages = between(html, "messages")
    ran = [r for r in payload["rungs"] if r["status"] == "ran"]
    assert messages.count("<details>") == len(ran)
    few = [r for r in ran if r["rung"] == "few-shot"][0]
    block = messages[messages.index(f"<b>bot · {few['rung']}</b>"):]
    block = block[:block.index("</details>")]
    # A 2-shot prompt: system, two demo turns (user + assistant each), then the question.
    assert block.count('<div class="field">user</div>') == 3
    assert block.count('<div class="field">assistant</div>') == 2
    assert "call 1 of 1 · sample 0" in block and "temperature=0" in block


def test_skip_reasons_and_failed_runs_are_shown():
    failed = _run("r-failed", "gpt-broken", 0.0, 0.0, 0.1, 0.4, rung="zero-shot")
    failed[0].status = "failed"
    ok = _run("r-ok", "gpt-big", 0.875, 0.53, 0.98, 5.0, rung="few-shot")
    climb = {
        "task": "ticket-routing", "split": "dev", "budget_usd": 1.0, "spent_usd": 0.0123,
        "recommendation": {"model": "gpt-big", "rung": "few-shot", "score": 0.875, "ci_low": 0.53,
                           "ci_high": 0.98, "cost_per_1k_calls": 5.0, "projected_monthly_usd": 150.0},
        "test": {"status": "not-run", "reason": "the test split is empty"},
        "rungs": [
            {"model": "gpt-big", "rung": "few-shot", "status": "ran", "score": 0.875},
            {"model": "gpt-big", "rung": "rag", "status": "skipped", "skip_reason": "the task has no documents"},
            {"model": "gpt-big", "rung": "max-shots", "status": "skipped-budget",
             "reason": "up to $0.50 needed, $0.10 of the budget left", "estimated_cost_usd": 0.2,
             "max_cost_usd": 0.5},
            {"model": "gpt-broken", "rung": "few-shot", "status": "dropped",
             "skip_reason": "error rate 100% above the 10% threshold"},
        ],
    }
    html = render_report([failed, ok], task_spec=_spec(), climb=climb)
    decided = between(html, "decision", "leaderboard")
    assert "the task has no documents" in decided and "up to $0.50 needed" in decided
    assert "error rate 100% above the 10% threshold" in decided
    assert "confirmation not run" in decided and "the test split is empty" in decided
    assert "$0.0123" in decided and "$1.00" in decided
    board = between(html, "leaderboard", "quality-cost")
    row = board[board.index("gpt-broken"):]
    row = row[:row.index("</tr>")]
    assert '<span class="badge failed"' in row and ">failed<" in row
    assert '<tr class="failed">' in board
    errors = between(html, "errors")
    assert 'gpt-broken · zero-shot</b> <span class="badge failed">failed</span>' in errors


def test_confusion_counts_match_the_records():
    from test_report_html import _records

    from taskladder.report.confusion import confusion

    answers = ["Billing.", "refund", None, "card", "card", "refund", "card", "billing"]
    matrix = confusion(_records("r", answers), "category")
    assert matrix is not None and matrix.labels == ["card", "billing", "refund"]  # by support, then name
    # Rows are the truth (card ×4, billing ×2, refund ×2); "Billing." is the billing class.
    assert matrix.counts == [[2, 1, 1], [1, 1, 0], [0, 0, 1]]
    assert matrix.no_answer == [0, 0, 1] and matrix.total == 8
