"""Stopped mid-run, a run resumes from what the store holds: no record lost, no example asked
twice (an answered example is never paid for again), and the summary is the one its records give."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from scale_helpers import Scripted, big_task
from scale_helpers import scripted_plan as _plan

from taskladder.metrics import get_metric
from taskladder.runner import execute
from taskladder.runner.summary import summarise
from taskladder.store import Store

HERE = Path(__file__).parent


def test_interrupted_run_resumes_without_asking_twice(tmp_path: Path) -> None:
    task = big_task(tmp_path / "t", 3_000)
    store = Store(tmp_path / "s.sqlite")
    first = Scripted(batch_size=10, concurrency=4, stop_after=150, error_every=50)
    with pytest.raises(KeyboardInterrupt):
        execute(_plan(task), first, store=store, progress=False)
    (run,) = store.list_runs()
    assert run.status == "interrupted"
    stored = store.get_records(run.run_id)
    assert 0 < len(stored) <= len(first.asked) < len(task.dev)
    errored = {r.example_id for r in stored if r.error}
    second = Scripted(batch_size=10, concurrency=4, error_every=50)
    result = execute(_plan(task), second, store=store, progress=False)
    assert result.run.run_id == run.run_id and result.run.status == "finished"
    answered = {r.example_id for r in stored} - errored
    # Nothing answered before the stop is asked again; every example is asked at most once per run.
    assert not answered & set(second.asked)
    assert len(second.asked) == len(set(second.asked)) == len(task.dev) - len(answered)
    records = list(result.records)
    assert [r.example_id for r in records] == [e.id for e in task.dev]
    assert result.run.summary.resumed_records == len(answered)
    old = summarise(records, get_metric(task.spec.default_metric(), task.spec), task.spec.volume.calls_per_day)
    for field in ("n", "score", "ci_low", "ci_high", "cost_usd", "calls", "errors"):
        assert getattr(result.run.summary, field) == getattr(old, field), field


KILLED = textwrap.dedent("""
    import asyncio, sys
    sys.path.insert(0, {tests!r})
    from scale_helpers import Scripted, big_task
    from taskladder.metrics import get_metric
    from taskladder.runner import RunPlan, execute
    from taskladder.store import Store
    from pathlib import Path

    class Slow(Scripted):
        async def apredict(self, examples):
            out = await super().apredict(examples)
            print("answered", flush=True)
            await asyncio.sleep(0.005)
            return out

    task = big_task(Path({folder!r}), 3_000)
    plan = RunPlan.for_task(task, "dev", None, scorer=get_metric(task.spec.default_metric(), task.spec),
                            model="scripted", identity={{"p": "scripted"}}, pipeline={{"kind": "scripted"}})
    execute(plan, Slow(batch_size=10, concurrency=4), store=Store({store!r}), progress=False)
""")


def test_killed_run_resumes(tmp_path: Path) -> None:
    """SIGKILL: nothing is cleaned up; the rerun finds the run (still 'running') and finishes it."""
    script = tmp_path / "run.py"
    script.write_text(KILLED.format(tests=str(HERE), folder=str(tmp_path / "t"), store=str(tmp_path / "s.sqlite")))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert proc.stdout is not None
    for _ in range(120):  # ~1,200 examples answered (some flushed), then the kill
        assert proc.stdout.readline(), "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    store = Store(tmp_path / "s.sqlite")
    (run,) = store.list_runs()
    assert run.status == "running"
    kept = {r.example_id for r in store.get_records(run.run_id)}
    assert kept
    task = big_task(tmp_path / "t", 3_000)
    again = Scripted(batch_size=10, concurrency=4)
    result = execute(_plan(task), again, store=store, progress=False)
    assert result.run.run_id == run.run_id and result.run.status == "finished"
    assert not kept & set(again.asked) and len(again.asked) == len(task.dev) - len(kept)
    assert result.run.summary.n == len(task.dev) == len(store.record_ids(run.run_id))
