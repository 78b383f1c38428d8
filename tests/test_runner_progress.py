"""The progress bar at 80 columns keeps count, ETA and spend; offline baselines advance it."""

from __future__ import annotations

import io
import sys
import time

from helpers import sentiment_rows, write_task

from taskladder.runner.calls import RunStats
from taskladder.runner.progress import progress_bar


def test_bar_keeps_count_eta_and_spend_at_80_columns(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf)
    monkeypatch.setenv("COLUMNS", "80")
    stats = RunStats()
    stats.cached_calls = 12
    with progress_bar("banking77 · openai/gpt-4o-mini · few-shot(8) · mmr", 3080, stats) as bar:
        bar.advance(1200)
        time.sleep(0.6)
        bar.advance(100)
    line = buf.getvalue().strip().splitlines()[-1]
    assert len(line) <= 80
    assert "1300/3080" in line and "eta 0:" in line and "$0 spent" in line and "12 cached" in line


def test_offline_baseline_advances_the_bar_in_steps(tmp_path, monkeypatch):
    from taskladder.baselines.majority import MajorityBaseline
    from taskladder.runner import evaluate
    from taskladder.task import load_task

    steps: list[int] = []

    class Counting(MajorityBaseline):
        def predict(self, examples):
            steps.append(len(examples))
            return super().predict(examples)

    task = load_task(write_task(tmp_path / "t", sentiment_rows(3000)))
    evaluate(task, Counting("baseline/majority"), split="dev", progress=False)
    assert sum(steps) == len(task.dev) == 750 and len(steps) >= 2  # not one jump from 0 to done
