"""kill -9 any long command mid-way, run it again: it finishes, and no call that finished
before the kill is paid for again (only calls in flight at the kill may be repeated).

One test per command that starts runs: steps, cascade, arena and climb (eval has its own
in test_crash_resume.py). Every command goes through the one run kernel, and every call
through the cache, so the same guarantee holds for all of them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers import sentiment_responder, sentiment_rows, write_task

from taskladder.cascade import Cascade, FunctionTier, evaluate_cascade
from taskladder.models.base import Prediction
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.testing import LoopbackServer

pytestmark = pytest.mark.slow


def _messages_key(messages: list[dict]) -> str:
    return json.dumps([[m["role"], m["content"]] for m in messages], ensure_ascii=False)


def _persisted(home: Path) -> set[str]:
    db = sqlite3.connect(home / "taskladder.sqlite")
    try:
        return {_messages_key(json.loads(r[0])["messages"]) for r in db.execute("SELECT request FROM calls")}
    finally:
        db.close()


def _models_file(tmp_path: Path, srv: LoopbackServer, *names: str) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": [
        {"name": n, "model": "openai/loopback", "api_base": srv.base_url, "concurrency": 4,
         "price": {"input_per_mtok": 1.0, "output_per_mtok": 1.0}} for n in names]}))
    return path


def _kill_then_rerun(cmd: list[str], home: Path, srv: LoopbackServer, kill_after: int, cwd: Path | None = None
                     ) -> tuple[set[str], list[str], subprocess.CompletedProcess]:
    """Start ``cmd``, SIGKILL it once the server has seen ``kill_after`` requests, rerun it."""
    env = {**os.environ, "TASKLADDER_HOME": str(home)}
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 90
    while srv.request_count < kill_after and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert srv.request_count >= kill_after, proc.stderr.read().decode()[-2000:]
    sent_before = srv.request_count
    persisted = _persisted(home)
    assert persisted, "nothing reached the cache before the kill"
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    after = [_messages_key(r.body["messages"]) for r in srv.requests[sent_before:]]
    return persisted, after, done


def _assert_nothing_repaid(persisted: set[str], after: list[str]) -> None:
    repaid = persisted & set(after)
    assert not repaid, f"{len(repaid)} calls that finished before the kill were paid for again"


def _runs(home: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(home / "taskladder.sqlite")
    try:
        return db.execute("SELECT run_id, model, status FROM runs ORDER BY created_at").fetchall()
    finally:
        db.close()


def test_steps_resume_after_kill(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(120), split={"dev": 0.5, "test": 0.0, "seed": 1})
    steps = tmp_path / "steps.yaml"
    steps.write_text(yaml.safe_dump({"name": "one-step", "steps": [
        {"name": "classify", "model": "loop", "instructions": "Classify the text.", "inputs": ["text"],
         "outputs": {"label": "label"}}]}))
    with LoopbackServer(lambda r: sentiment_responder(r["messages"]), latency_ms=150) as srv:
        models = _models_file(tmp_path, srv, "loop")
        cmd = [sys.executable, "-m", "taskladder", "steps", str(task), str(steps), "--models", str(models),
               "--json", "--quiet"]
        persisted, after, done = _kill_then_rerun(cmd, tmp_path / "home", srv, kill_after=20)
    _assert_nothing_repaid(persisted, after)
    out = json.loads(done.stdout)
    assert out["n"] == 60 and out["errors"] == 0
    assert len(after) <= 60 - len(persisted)
    runs = _runs(tmp_path / "home")
    assert len(runs) == 1 and runs[0][2] == "finished"  # the killed run was resumed, not replaced


def test_cascade_resume_after_kill(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(160), split={"dev": 0.25, "test": 0.25, "seed": 1})
    with LoopbackServer(lambda r: sentiment_responder(r["messages"]), latency_ms=150) as srv:
        models = _models_file(tmp_path, srv, "loop")
        cmd = [sys.executable, "-m", "taskladder", "cascade", str(task), "--cheap", "baseline/majority",
               "--strong", "loop", "--models", str(models), "--test", "--json"]
        persisted, after, done = _kill_then_rerun(cmd, tmp_path / "home", srv, kill_after=50)
    _assert_nothing_repaid(persisted, after)
    out = json.loads(done.stdout)
    assert out["n"] == 40 and out["test"]["n"] == 40
    assert {status for _, _, status in _runs(tmp_path / "home")} == {"finished"}


def test_arena_resume_after_kill(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(120), split={"dev": 0.5, "test": 0.0, "seed": 1})
    home = tmp_path / "home"
    env = {**os.environ, "TASKLADDER_HOME": str(home)}
    ids = []
    for baseline in ("baseline/majority", "baseline/knn-bm25"):
        run = subprocess.run([sys.executable, "-m", "taskladder", "eval", str(task), "-m", baseline, "--json",
                              "--quiet"], env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        ids.append(json.loads(run.stdout)["run_id"])

    def judge(request):
        return "Verdict: A"

    with LoopbackServer(judge, latency_ms=150) as srv:
        models = _models_file(tmp_path, srv, "judge")
        cmd = [sys.executable, "-m", "taskladder", "arena", *ids, "--judge", "judge", "--models", str(models),
               "--json"]
        persisted, after, done = _kill_then_rerun(cmd, home, srv, kill_after=30)
    _assert_nothing_repaid(persisted, after)
    out = json.loads(done.stdout)
    arena_runs = [r for r in _runs(home) if r[1].startswith("arena:")]
    assert len(arena_runs) == 1 and arena_runs[0][2] == "finished" and out["run_id"] == arena_runs[0][0]
    assert Store(home / "taskladder.sqlite").get_run(out["run_id"]).summary.judgments == 60 * 2


def test_climb_resume_after_kill(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(120), split={"dev": 0.4, "test": 0.2, "seed": 1})
    with LoopbackServer(lambda r: sentiment_responder(r["messages"]), latency_ms=100) as srv:
        models = _models_file(tmp_path, srv, "loop")
        cmd = [sys.executable, "-m", "taskladder", "climb", str(task), "--models", str(models), "--shots", "4",
               "--rungs", "zero-shot,few-shot,knn-shots,cot", "--no-baselines", "--json", "--quiet",
               "--out", str(tmp_path / "out")]
        persisted, after, done = _kill_then_rerun(cmd, tmp_path / "home", srv, kill_after=70)
    _assert_nothing_repaid(persisted, after)
    out = json.loads(done.stdout)
    assert [r["status"] for r in out["rungs"]][:1] == ["ran"]
    assert out["recommendation"] is not None


def test_interrupted_cascade_run_resumes_its_records(tmp_path):
    """In-process: a tier that fails half-way interrupts the run; the rerun keeps the stored
    records (same run id) and asks the tiers only about the rest."""
    task = load_task(write_task(tmp_path / "t", sentiment_rows(1200), split={"dev": 0.0, "test": 0.5, "seed": 1}))
    asked: list[str] = []

    def cheap(examples):
        asked.extend(e.id for e in examples)
        if len(asked) > 300 and not getattr(cheap, "recovered", False):
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-run
        return [Prediction(output={"label": "pos"}, confidence=0.9) for _ in examples]

    def strong(examples):
        return [Prediction(output={"label": "neg"}) for _ in examples]

    cascade = Cascade([FunctionTier("cheap", cheap), FunctionTier("strong", strong)], thresholds=0.5)
    store = Store(tmp_path / "store.sqlite")
    with pytest.raises(KeyboardInterrupt):
        evaluate_cascade(task, cascade, split="test", store=store)
    interrupted = store.list_runs()
    assert [r.status for r in interrupted] == ["interrupted"]
    kept = store.record_ids(interrupted[0].run_id)
    assert len(kept) == 256  # the first batch was written before the second one failed
    cheap.recovered = True
    asked.clear()
    run = evaluate_cascade(task, cascade, split="test", store=store)
    assert run.run.run_id == interrupted[0].run_id and run.summary.resumed_records == 256
    assert not set(asked) & kept and len(asked) == 600 - 256
    assert run.summary.n == 600 and run.summary.tier_share == {"cheap": 1.0, "strong": 0.0}
