"""optimize: a budgeted prompt search finds a better prompt than zero-shot, never spends past its
budget (checked in the calls table), resumes after an interruption without paying twice, and saves
a pipeline spec that reruns exactly.

The task model is scripted so that its accuracy depends on the prompt: it answers right when the
instruction states a rule for the ticket's cue word (``"parcel" means shipping``) or a demo shows
the same cue, and says "billing" otherwise. The scripted proposer writes such rules only from the
failures it is shown (reflective mutation); its first, grounded proposals carry none.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from helpers import write_task
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.models.config import ModelConfig
from taskladder.optimize import OptimizeOptions, optimize
from taskladder.pipeline import load_pipeline
from taskladder.runner import evaluate
from taskladder.store import Store
from taskladder.task import load_task

CUES = {
    "billing": ["invoice", "charge", "refund", "receipt", "payment", "fee", "billed", "overcharged"],
    "shipping": ["parcel", "courier", "tracking", "delivery", "package", "shipment", "postman", "warehouse"],
    "login": ["password", "locked", "username", "signin", "twofactor", "otp", "passcode", "lockout"],
}
CUE_LABEL = {cue: label for label, cues in CUES.items() for cue in cues}
SENT: list[str] = []  # every prompt the scripted models answered (a fresh, paid call each)
KILL_AFTER: list[int] = []  # when set: the task model raises KeyboardInterrupt once this many prompts were answered


def cue_of(text: str) -> str | None:
    return next((w for w in re.findall(r"[a-z]+", text.lower()) if w in CUE_LABEL), None)


def task_model(messages: list[dict]) -> str:
    if KILL_AFTER and len(SENT) >= KILL_AFTER[0]:
        raise KeyboardInterrupt  # a kill while this call is in flight: it is never answered
    SENT.append(json.dumps(messages, sort_keys=True))
    system, query = messages[0]["content"], messages[-1]["content"]
    cue = cue_of(query)
    rules = dict(re.findall(r'"(\w+)" means (\w+)', system))
    label = rules.get(cue or "")
    if label is None:
        demos = messages[1:-1]
        label = next(
            (a["content"] for u, a in zip(demos[::2], demos[1::2]) if cue and cue_of(u["content"]) == cue), None
        )
        if label and label.startswith("{"):
            label = json.loads(label).get("label")
    label = label or "billing"
    if "JSON" in system:
        return json.dumps({"reasoning": f"the message mentions {cue}", "label": label})
    return label


def proposer(messages: list[dict]) -> str:
    SENT.append(json.dumps(messages, sort_keys=True))
    user = messages[-1]["content"]
    current = re.search(r"Current instruction: (.*)", user)
    rules = dict(re.findall(r'"(\w+)" means (\w+)', current.group(1) if current else ""))
    for inp, expected in re.findall(r"Input: (.*)\nExpected: (\w+)", user):
        if cue_of(inp):
            rules[cue_of(inp)] = expected
    body = "Route the ticket to the team that handles it. " + " ".join(
        f'"{w}" means {lab}.' for w, lab in rules.items()
    )
    return f"<instruction>{body.strip()}</instruction>"


PRICE = {"input_per_mtok": 10.0, "output_per_mtok": 10.0}  # scripted tokens are words: ~$0.001 a call
MODELS = {
    "bot": ModelConfig(name="bot", model="scripted", script={"callable": "test_optimize:task_model"}, price=PRICE),
    "writer": ModelConfig(name="writer", model="scripted", script={"callable": "test_optimize:proposer"}, price=PRICE),
}
FAST = OptimizeOptions(
    rounds=3,
    proposals=1,
    minibatch=8,
    shots=3,
    demo_seeds=1,
    knn=False,
    rationale_pool=6,
    feedback=16,
    failures_shown=8,
)


def rows(n: int = 120) -> list[dict]:
    out = []
    for i in range(n):
        label = ("billing", "shipping", "login")[i % 3]
        cue = CUES[label][(i // 3) % 8]
        out.append({"id": f"r{i}", "text": f"hello, about the {cue} thing, ticket {i}", "label": label})
    return out


@pytest.fixture
def task(tmp_path):
    return load_task(
        write_task(tmp_path / "task", rows(), name="tickets", split={"dev": 0.25, "test": 0.25, "seed": 0})
    )


@pytest.fixture(autouse=True)
def _fresh():
    SENT.clear()
    KILL_AFTER.clear()
    yield
    KILL_AFTER.clear()


def paid_in_calls_table(store: Store) -> float:
    with sqlite3.connect(store.path) as db:
        return float(db.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM calls").fetchone()[0])


def test_optimize_finds_a_better_prompt_than_zero_shot(task, tmp_path):
    store = Store(tmp_path / "s.db")
    result = optimize(task, "bot", proposer="writer", budget_usd=100.0, models=MODELS, store=store, options=FAST)
    out = result.as_json()
    zero, best = out["zero_shot"], out["best"]
    assert zero["dev_examples"] == best["dev_examples"] == len(task.dev)
    assert best["dev_score"] >= zero["dev_score"] + 0.25, out["trajectory"]
    assert best["origin"].startswith(("reflected", "combined")) and '" means ' in best["instructions"]
    assert out["final_prompt"].startswith(best["instructions"])
    # The chosen prompt meets test once, and beats zero-shot there too.
    zero_test = evaluate(task, "bot", split="test", models=MODELS, store=store, progress=False)
    assert out["test"]["n"] == len(task.test)
    assert out["test"]["score"] > zero_test.run.summary.score + 0.2
    assert out["runs"]["confirmation"] and len(out["runs"]["confirmation"]) == 1
    # Spend: split into search and confirmation, each the calls table's sum for its runs.
    spent = out["spent_usd"]
    assert spent["search"] > 0 and spent["confirmation"] > 0 and spent["search_proposer"] > 0
    assert spent["total"] == pytest.approx(spent["search"] + spent["confirmation"])
    assert spent["total"] <= out["charged_usd"]["total"] + 1e-9 <= 100.0
    # Trajectory: spend only grows, and the best full-dev score only improves.
    charged = [p["charged_usd"] for p in out["trajectory"]]
    assert charged == sorted(charged)
    best_scores = [p["best_score"] for p in out["trajectory"] if p["best_score"] is not None]
    assert best_scores == sorted(best_scores) and best_scores[-1] == pytest.approx(best["dev_score"])
    # The saved pipeline reruns exactly: same score on test, every call from the cache.
    path = result.save(tmp_path / "out")
    SENT.clear()
    rerun = evaluate(task, load_pipeline(path), split="test", models=MODELS, store=store, progress=False)
    assert rerun.run.summary.score == out["test"]["score"] and SENT == []


def test_reflection_sees_failures_with_reasons_from_train_only(task, tmp_path):
    optimize(
        task, "bot", proposer="writer", budget_usd=100.0, models=MODELS, store=Store(tmp_path / "s.db"), options=FAST
    )
    reflective = [json.loads(m)[-1]["content"] for m in SENT if "got these training examples wrong" in m]
    assert reflective, "no reflective proposal was asked for"
    dev_test = {e.inputs["text"] for e in task.dev + task.test}
    train = {e.inputs["text"] for e in task.train}
    shown = [i for text in reflective for i in re.findall(r"Input: (.*)\n", text)]
    assert shown and all(s in train and s not in dev_test for s in shown)
    assert all("Why it failed: wrong answer: it said" in text for text in reflective)


def test_budget_is_never_exceeded_and_the_search_stops_cleanly(task, tmp_path):
    store = Store(tmp_path / "s.db")
    budget = 0.08  # zero-shot's confirmation may cost up to ~$0.03: the search gets the rest
    result = optimize(task, "bot", proposer="writer", budget_usd=budget, models=MODELS, store=store, options=FAST)
    out = result.as_json()
    assert out["stopped"] and out["stopped"].startswith("budget"), out["stopped"]
    paid = paid_in_calls_table(store)
    assert 0 < paid <= budget
    assert out["spent_usd"]["total"] == pytest.approx(paid)
    assert out["test"] is not None  # the confirmation was held back from the start, so it still ran
    assert out["charged_usd"]["total"] <= budget + 1e-9


def test_budget_too_small_for_the_confirmation_is_a_one_line_error(task, tmp_path):
    from taskladder.errors import ConfigError

    with pytest.raises(ConfigError, match="budget too small"):
        optimize(
            task,
            "bot",
            proposer="writer",
            budget_usd=0.001,
            models=MODELS,
            store=Store(tmp_path / "s.db"),
            options=FAST,
        )


def test_interrupted_search_resumes_without_paying_twice(task, tmp_path):
    clean_store = Store(tmp_path / "clean.db")
    clean = optimize(task, "bot", proposer="writer", budget_usd=8.0, models=MODELS, store=clean_store, options=FAST)
    clean_sent = len(SENT)
    assert calls_stored(clean_store) == clean_sent
    SENT.clear()
    store = Store(tmp_path / "s.db")
    KILL_AFTER.append(clean_sent // 2)
    with pytest.raises(KeyboardInterrupt):
        optimize(task, "bot", proposer="writer", budget_usd=8.0, models=MODELS, store=store, options=FAST)
    first, persisted = len(SENT), calls_stored(store)
    assert 0 < persisted <= first
    KILL_AFTER.clear()
    resumed = optimize(task, "bot", proposer="writer", budget_usd=8.0, models=MODELS, store=store, options=FAST)
    # Every call persisted before the kill came back from the cache: the rerun sent only the rest
    # (answers in flight at the kill, never stored, are the only ones asked for again).
    assert len(SENT) - first == clean_sent - persisted
    assert calls_stored(store) == clean_sent
    # The resumed search took the same decisions as an uninterrupted one, within the budget.
    assert resumed.as_json()["best"] == clean.as_json()["best"]
    assert resumed.charged == clean.charged
    assert paid_in_calls_table(store) <= 8.0


def calls_stored(store: Store) -> int:
    with sqlite3.connect(store.path) as db:
        return int(db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])


def cli_optimize(tmp_path, out) -> dict:
    """`taskladder optimize --json` on the fixture's task with the scripted models; its payload."""
    models = tmp_path / "models.yaml"
    models.write_text(
        "models:\n"
        "  - {name: bot, model: scripted, script: {callable: 'test_optimize:task_model'}, price: {input_per_mtok: 10, output_per_mtok: 10}}\n"
        "  - {name: writer, model: scripted, script: {callable: 'test_optimize:proposer'}, price: {input_per_mtok: 10, output_per_mtok: 10}}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app,
        [
            "optimize",
            str(tmp_path / "task" / "task.yaml"),
            "-m",
            "bot",
            "--proposer",
            "writer",
            "--models",
            str(models),
            "--budget",
            "100",
            "--rounds",
            "2",
            "--proposals",
            "1",
            "--shots",
            "2",
            "--knn-strategies",
            "bm25",
            "--json",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_cli_optimize_json_and_artifacts(task, tmp_path):
    out = tmp_path / "out"
    payload = cli_optimize(tmp_path, out)
    assert set(payload["spent_usd"]) >= {"search", "confirmation", "total"}
    assert payload["final_prompt"] and payload["trajectory"]
    assert (out / "pipeline.yaml").exists() and (out / "optimize.json").exists()
    assert (out / "trajectory.svg").read_text(encoding="utf-8").startswith("<svg")
    assert load_pipeline(out / "pipeline.yaml").model_dump(exclude_none=True) == payload["pipeline"]


def test_cli_pipeline_reruns_exactly_with_the_printed_eval_command(task, tmp_path):
    """The rerun command optimize prints (``taskladder eval TASK --pipeline pipeline.yaml --split
    test``) gives the confirmation's score again, every call from the cache."""
    out = tmp_path / "out"
    payload = cli_optimize(tmp_path, out)
    SENT.clear()
    res = CliRunner().invoke(
        app,
        [
            "eval",
            str(tmp_path / "task" / "task.yaml"),
            "--pipeline",
            str(out / "pipeline.yaml"),
            "--models",
            str(tmp_path / "models.yaml"),
            "--split",
            "test",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    rerun = json.loads(res.stdout)
    assert rerun["score"] == payload["test"]["score"] and rerun["n"] == payload["test"]["n"]
    assert rerun["calls"] == 0 and rerun["cached_calls"] == payload["test"]["n"]
    assert SENT == []  # nothing was sent to the model: the saved spec asks exactly what the search asked


def test_cli_unknown_price_is_exit_2(task, tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text(
        "models:\n  - {name: hosted, model: openai/no-such-model-xyz, api_key_env: NO_KEY}\n", encoding="utf-8"
    )
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskladder",
            "optimize",
            str(tmp_path / "task" / "task.yaml"),
            "-m",
            "hosted",
            "--models",
            str(models),
            "--budget",
            "1",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "price is unknown" in lines[0] and "Traceback" not in res.stderr


FREE = {
    name: ModelConfig(**{**cfg.model_dump(), "price": {"input_per_mtok": 0.0, "output_per_mtok": 0.0}})
    for name, cfg in MODELS.items()
}


def test_free_model_call_cap_holds_the_confirmation_back(task, tmp_path):
    """A free (local) model is budgeted in calls: the confirmation's calls are held back from the
    start, so the search stops short of them and the chosen prompt is still confirmed on test."""
    cap = len(task.test) + 70  # the search alone would take far more
    store = Store(tmp_path / "s.db")
    result = optimize(
        task,
        "bot",
        proposer="writer",
        budget_usd=0.0,
        models=FREE,
        store=store,
        options=FAST.model_copy(update={"max_calls": cap}),
    )
    out = result.as_json()
    assert out["stopped"] and out["stopped"].startswith("budget"), out["stopped"]
    assert out["test"] is not None and out["test"]["n"] == len(task.test), out["stopped"]
    assert out["charged_usd"]["calls"] <= cap
    assert calls_stored(store) <= cap


def test_spend_splits_exactly_into_search_and_confirmation(task, tmp_path):
    """Tight USD budget: never exceeded, confirmation included, and the JSON's spent_usd is the
    calls table's sum over the search runs and over the confirmation run, which add up to the total."""
    store = Store(tmp_path / "s.db")
    budget = 0.06
    out = optimize(
        task, "bot", proposer="writer", budget_usd=budget, models=MODELS, store=store, options=FAST
    ).as_json()
    assert out["test"] is not None
    spent, runs = out["spent_usd"], out["runs"]
    with sqlite3.connect(store.path) as db:

        def paid(ids: list[str]) -> float:
            marks = ",".join("?" * len(ids))
            return float(
                db.execute(f"SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE run_id IN ({marks})", ids).fetchone()[0]
            )

        assert spent["search_evaluation"] == pytest.approx(paid(runs["search"]), abs=1e-12)
        assert spent["search_proposer"] == pytest.approx(paid(runs["proposer"]), abs=1e-12)
        assert spent["confirmation"] == pytest.approx(paid(runs["confirmation"]), abs=1e-12)
    assert spent["confirmation"] > 0
    assert spent["search"] + spent["confirmation"] == spent["total"]
    assert spent["total"] == pytest.approx(paid_in_calls_table(store), abs=1e-12)
    assert spent["total"] <= out["charged_usd"]["total"] <= budget
    assert out["charged_usd"]["search"] + out["charged_usd"]["confirmation"] == pytest.approx(
        out["charged_usd"]["total"]
    )


def test_search_space_holds_nearest_demo_sets_and_instructions_paired_with_them(task, tmp_path):
    """Per-example (kNN) demo selection is inside the space: sets at each size asked for, and each
    distinct first proposal paired with the nearest demos; here the nearest demos show each input's cue, so
    the winner is a kNN prompt."""
    options = FAST.model_copy(
        update={"knn": True, "knn_sizes": [6], "knn_strategies": ["bm25"], "proposals": 2, "rounds": 1}
    )
    out = optimize(
        task, "bot", proposer="writer", budget_usd=100.0, models=MODELS, store=Store(tmp_path / "s.db"), options=options
    ).as_json()
    evaluated = {p["candidate"] for p in out["trajectory"] if p["kind"] == "evaluate"}
    assert {"nearest (bm25) demos k=3", "nearest (bm25) demos k=6"} <= evaluated
    # (the scripted proposer writes one text for both grounded proposals: one distinct pairing)
    assert "proposed r0#0 + nearest demos k=3" in evaluated
    assert out["best"]["demos"]["strategy"] == "bm25" and out["best"]["dev_score"] > out["zero_shot"]["dev_score"] + 0.4


def test_cli_optimize_report_shows_the_prompt_search(task, tmp_path):
    """optimize's report.html: a "Prompt search" section with the trajectory drawn as an inline
    SVG plot and the chosen instruction, escaped (a proposal is model text, never markup)."""
    from taskladder.report.fmt import esc
    from taskladder.report.sections.prompt_search import prompt_search_html

    out = tmp_path / "out"
    payload = cli_optimize(tmp_path, out)
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="prompt-search">') :]
    section = section[: section.index("</section>")]
    assert "<svg" in section and "score vs spend" in section
    assert payload["best"]["origin"] in section
    instruction = payload["best"]["instructions"] or "(the task's own instructions)"
    assert esc(instruction) in section
    # Escaped: markup inside a proposed instruction is shown as text.
    hostile = {**payload, "best": {**payload["best"], "instructions": "<script>alert(1)</script> & more"}}
    shown = prompt_search_html([hostile])
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in shown
