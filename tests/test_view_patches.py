"""Gold patches made in the viewer reach the next eval: the loader applies them, the run counts them."""

from __future__ import annotations

from helpers import sentiment_rows, write_task

from taskladder.runner import evaluate
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.task.patches import apply_gold_patches


def test_apply_gold_patches_corrects_and_drops_ambiguous(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    fix, amb = task.dev[0], task.dev[1]
    train_amb = task.train[0]
    patches = [
        {"example_id": fix.id, "field": "label", "new_value": "neg" if fix.outputs["label"] == "pos" else "pos",
         "ambiguous": False},
        {"example_id": amb.id, "field": None, "new_value": None, "ambiguous": True},
        {"example_id": train_amb.id, "field": None, "new_value": None, "ambiguous": True},  # train keeps it
        {"example_id": "not-in-task", "field": "label", "new_value": "pos", "ambiguous": False},
        {"example_id": fix.id, "field": "no-such-field", "new_value": "x", "ambiguous": False},
    ]
    patched, used = apply_gold_patches(task, patches, "dev")
    assert used == 2  # the dev correction and the dev ambiguity mark; train's and the bad ones not counted
    assert patched.dev[0].outputs["label"] != fix.outputs["label"]
    assert amb.id not in {e.id for e in patched.dev} and len(patched.dev) == len(task.dev) - 1
    assert train_amb.id in {e.id for e in patched.train}
    assert patched.fingerprint() != task.fingerprint()  # a patched run is a new run, never a resume
    assert apply_gold_patches(task, [])[0] is task


def test_next_eval_uses_the_repair_and_says_how_many(tmp_path):
    path = write_task(tmp_path / "t", sentiment_rows(40))
    store = Store()
    first = evaluate(load_task(path), "baseline/majority", store=store, progress=False)
    assert first.run.summary.gold_patches is None
    wrong = next(r for r in first.records if r.score == 0.0)
    store.put_gold_patch("t", wrong.example_id, author="ann", field="label", old_value=wrong.expected["label"],
                         new_value=wrong.prediction["label"])
    second = evaluate(load_task(path), "baseline/majority", store=store, progress=False)
    assert second.run.run_id != first.run.run_id
    assert second.run.summary.gold_patches == 1
    assert store.get_run(second.run.run_id).summary.gold_patches == 1  # stored, so the viewer and report show it
    fixed = next(r for r in second.records if r.example_id == wrong.example_id)
    assert fixed.expected["label"] == wrong.prediction["label"] and fixed.score == 1.0
    assert second.run.summary.score > first.run.summary.score


def test_eval_command_says_how_many_patches_the_run_used(tmp_path):
    import json
    import subprocess
    import sys

    path = write_task(tmp_path / "t", sentiment_rows(40))
    store = Store()
    dev = load_task(path).dev
    store.put_gold_patch("t", dev[0].id, author="ann", ambiguous=True)
    store.put_gold_patch("t", dev[1].id, author="ann", field="label", old_value=dev[1].outputs["label"],
                         new_value="pos")
    cmd = [sys.executable, "-m", "taskladder", "eval", str(path), "--model", "baseline/majority", "-q"]
    shown = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "scored with 2 gold patch(es) from `taskladder view`" in shown.stderr
    as_json = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=120)
    assert json.loads(as_json.stdout)["gold_patches"] == 2


def _patch_two(store, task):
    """An ambiguity mark on dev[0] and a correction of dev[1]: two patches a dev run uses."""
    dev = task.dev
    store.put_gold_patch(task.name, dev[0].id, author="ann", ambiguous=True)
    flipped = "neg" if dev[1].outputs["label"] == "pos" else "pos"
    store.put_gold_patch(task.name, dev[1].id, author="ann", field="label", old_value=dev[1].outputs["label"],
                         new_value=flipped)
    return dev[0].id, dev[1].id, flipped


def test_with_gold_patches_is_the_one_way_every_command_loads_a_task(tmp_path):
    from taskladder.runner.gold import with_gold_patches

    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    store = Store()
    assert with_gold_patches(task, store, "dev") == (task, 0)
    dropped, fixed, flipped = _patch_two(store, task)
    patched, used = with_gold_patches(task, store, "dev")
    assert used == 2 and dropped not in {e.id for e in patched.dev}
    assert next(e for e in patched.dev if e.id == fixed).outputs["label"] == flipped


def test_cascade_runs_use_and_count_gold_patches(tmp_path):
    from taskladder.cascade import Cascade, FunctionTier, evaluate_cascade
    from taskladder.models.base import Prediction

    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    store = Store()
    dropped, fixed, flipped = _patch_two(store, task)
    def answer(label):
        return lambda examples: [Prediction(output={"label": label}, confidence=1.0) for _ in examples]

    tiers = [FunctionTier("always-pos", answer("pos")), FunctionTier("always-neg", answer("neg"))]
    run = evaluate_cascade(task, Cascade(tiers, thresholds=0.5), split="dev", store=store)
    assert run.summary.gold_patches == 2 and store.get_run(run.run.run_id).summary.gold_patches == 2
    ids = [r.example_id for r in run.records]
    assert dropped not in ids and len(ids) == len(task.dev) - 1
    assert next(r for r in run.records if r.example_id == fixed).expected["label"] == flipped


def test_steps_runs_use_and_count_gold_patches(monkeypatch):
    from pathlib import Path

    from taskladder.models.config import load_models
    from taskladder.steps import load_steps, run_steps

    example = Path(__file__).resolve().parents[1] / "examples" / "invoice_triage"
    monkeypatch.syspath_prepend(str(example))  # its scripted bot lives beside it
    task = load_task(example / "task.yaml")
    store = Store()
    first = task.dev[0]
    store.put_gold_patch(task.name, first.id, author="ann", ambiguous=True)
    result = run_steps(task, load_steps(example / "steps.yaml"), models=load_models(example / "models.yaml"),
                       store=store, limit=5)
    assert result.run.summary.gold_patches == 1
    assert first.id not in {r.example_id for r in result.records}


def test_arena_runs_skip_ambiguous_examples_and_count_patches(tmp_path):
    from taskladder.arena import judge_runs
    from taskladder.models.config import ModelConfig
    from taskladder.rank import LLMJudgePrompt
    from taskladder.runner.calls import ModelCaller

    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    store = Store()
    a = evaluate(task, "baseline/majority", store=store, progress=False)
    b = evaluate(task, "baseline/tfidf-lr", store=store, progress=False)
    store.put_gold_patch("t", task.dev[0].id, author="ann", ambiguous=True)
    judge = ModelConfig(name="judge", model="scripted", script={"callable": "helpers:sentiment_judge"})
    arena = judge_runs([(r.run, r.records) for r in (a, b)], ModelCaller(judge, store),
                       LLMJudgePrompt(output_type="label"), store=store, n_boot=20)
    assert arena.run.summary.gold_patches == 1
    assert task.dev[0].id not in {c.item for c in arena.comparisons}
    assert len({c.item for c in arena.comparisons}) == len(task.dev) - 1


def test_the_report_says_how_many_patches_a_run_used(tmp_path):
    from taskladder.report import render_report

    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    store = Store()
    _patch_two(store, task)
    run = evaluate(task, "baseline/majority", store=store, progress=False)
    html = render_report([(run.run, run.records)], task_spec=task.spec)
    assert "2 gold patches</span>" in html


def test_arena_stores_the_judges_reasoning_per_comparison(tmp_path):
    """What the judge wrote before its verdict is kept on each stored comparison."""
    from taskladder.arena import judge_runs
    from taskladder.models.config import ModelConfig
    from taskladder.rank import LLMJudgePrompt
    from taskladder.rank.judge_prompt import reasoning_of
    from taskladder.runner.calls import ModelCaller

    assert reasoning_of("A is right, B is not.\n[[A]]") == "A is right, B is not."
    assert reasoning_of("[[TIE]]") is None
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    store = Store()
    a = evaluate(task, "baseline/majority", store=store, progress=False)
    b = evaluate(task, "baseline/tfidf-lr", store=store, progress=False)
    judge = ModelConfig(name="judge", model="scripted", script={"callable": "helpers:sentiment_judge"})
    arena = judge_runs([(r.run, r.records) for r in (a, b)], ModelCaller(judge, store),
                       LLMJudgePrompt(output_type="label"), store=store, n_boot=20)
    stored = [c for r in store.get_records(arena.run.run_id) for c in r.trace["comparisons"]]
    reasoned = [c for c in stored if c.get("reasoning")]
    assert reasoned and all(c["reasoning"] == "Reasoning done." for c in reasoned)
    assert {c.reasoning for c in arena.comparisons} >= {"Reasoning done."}
