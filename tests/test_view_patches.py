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
