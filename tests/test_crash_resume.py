"""Kill a run with SIGKILL mid-way; the rerun completes and repeats no finished call."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml
from helpers import kill_after_requests, sentiment_rows, stored_calls_and_runs, write_task

from taskladder.testing import LoopbackServer, mapping_responder


def test_kill_9_then_resume_pays_no_call_twice(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(120), split={"dev": 0.5, "test": 0.0, "seed": 1})
    home = tmp_path / "home"
    env = {**os.environ, "TASKLADDER_HOME": str(home)}
    responder = mapping_responder({"great": "pos", "lovely": "pos", "excellent": "pos", "good": "pos",
                                   "wonderful": "pos"}, default="neg")
    with LoopbackServer(responder, latency_ms=150) as srv:
        models = tmp_path / "models.yaml"
        models.write_text(yaml.safe_dump({"models": [{
            "name": "loop", "model": "openai/loopback", "api_base": srv.base_url, "concurrency": 4,
            "price": {"input_per_mtok": 1.0, "output_per_mtok": 1.0}}]}))
        cmd = [sys.executable, "-m", "taskladder", "eval", str(task), "-m", "loop", "--models", str(models),
               "--json", "--quiet"]
        sent_before = kill_after_requests(cmd, env, srv, wait_s=60)
        persisted, runs_before = stored_calls_and_runs(home)
        assert 0 < len(persisted) < 60 and runs_before[0][1] == "running"

        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        after = [r.body["messages"][-1]["content"] for r in srv.requests[sent_before:]]

    out = json.loads(done.stdout)
    assert out["n"] == 60 and out["score"] == 1.0 and out["errors"] == 0
    assert not persisted & set(after), "a call finished before the kill was paid for again"
    assert len(after) == 60 - len(persisted) and len(set(after)) == len(after)
    # Records flushed before the kill keep their first attempt's (paid) calls; the rest were
    # answered in the rerun, from the cache where the call had been persisted.
    assert out["calls"] + out["cached_calls"] == 60 and out["cached_calls"] <= len(persisted)
    assert out["run_id"] == runs_before[0][0]  # the interrupted run was resumed, not replaced
