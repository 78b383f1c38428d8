"""The kernel keeps no whole-run list: its summary comes from a running tally, and memory does
not grow with the run's length beyond a few floats per example. The tally must give exactly
what the old path gave (``summarise`` and ``assess`` over the records in example order)."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

from scale_helpers import Scripted, big_task

from taskladder.metrics import get_metric
from taskladder.runner import RunPlan, execute
from taskladder.runner.health import assess
from taskladder.runner.summary import summarise
from taskladder.runner.tally import RunTally
from taskladder.store import Store


def _plan(task, scorer) -> RunPlan:
    return RunPlan.for_task(
        task, "dev", None, scorer=scorer, model="scripted", identity={"p": "scripted"}, pipeline={"kind": "scripted"}
    )


def test_tally_matches_the_old_summary_to_the_last_bit(tmp_path: Path) -> None:
    task = big_task(tmp_path / "t", 600)
    store = Store(tmp_path / "s.sqlite")
    scorer = get_metric(task.spec.default_metric(), task.spec)
    result = execute(_plan(task, scorer), Scripted(error_every=9), store=store, progress=False)
    records = list(result.records)
    assert len(records) == len(task.dev) and [r.example_id for r in records] == [e.id for e in task.dev]
    # The old path, on the same records: summarise + assess over the records in example order.
    old = summarise(records, scorer, task.spec.volume.calls_per_day)
    old_health = assess(records, 0.5)
    # The tally, fed in another order (answers arrive in any order), must agree exactly.
    tally = RunTally(len(records), scorer, task.spec.volume.calls_per_day)
    order = list(range(len(records)))
    random.Random(1).shuffle(order)
    for at in order:
        tally.add(at, records[at])
    assert tally.summary().model_dump() == old.model_dump()
    assert tally.health(0.5) == old_health
    # ...and the stored run carries the same figures (scores, CIs, costs).
    stored = result.run.summary
    for field in (
        "n",
        "score",
        "ci_low",
        "ci_high",
        "cost_usd",
        "latency_p50_ms",
        "latency_p95_ms",
        "calls",
        "parse_failures",
        "errors",
        "shots_used_mean",
        "retrieval_recall_at_k",
        "input_tokens",
    ):
        assert getattr(stored, field) == getattr(old, field), field
    assert stored.error_rate == old_health.error_rate and stored.first_error == old_health.first_error
    assert old.cost_usd and old.score is not None and old.retrieval_recall_at_k is not None and old.errors


def test_non_mean_metrics_read_the_records_back(tmp_path: Path) -> None:
    task = big_task(tmp_path / "t", 200)
    store = Store(tmp_path / "s.sqlite")
    scorer = get_metric("macro_f1", task.spec)
    assert not scorer.decomposable
    result = execute(_plan(task, scorer), Scripted(), store=store, progress=False)
    old = summarise(list(result.records), scorer, task.spec.volume.calls_per_day)
    assert (result.run.summary.score, result.run.summary.ci_low) == (old.score, old.ci_low)


def _peak_bytes(tmp_path: Path, n: int) -> tuple[int, int]:
    task = big_task(tmp_path / f"t{n}", n)
    store = Store(tmp_path / f"s{n}.sqlite")
    plan = _plan(task, get_metric(task.spec.default_metric(), task.spec))
    assert plan.task_fingerprint  # hashed before measuring: the task is the caller's, not the run's
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = execute(plan, Scripted(batch_size=16, concurrency=8), store=store, progress=False)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert result.run.summary.n == len(task.dev) and result.run.status == "finished"
    return peak, len(task.dev)


def test_memory_does_not_grow_with_run_length(tmp_path: Path) -> None:
    (small, n_small), (large, n_large) = _peak_bytes(tmp_path, 3_000), _peak_bytes(tmp_path, 12_000)
    # The old kernel held every Record (~3 KB each here). The tally holds a flag per example (its
    # five floats in a temporary file); allow 200. Both runs are past 2,000 examples, where the bootstrap's index
    # blocks stop growing (2M cells each, metrics._bootstrap).
    per_example = (large - small) / (n_large - n_small)
    assert per_example < 200, f"{per_example:.0f} bytes per extra example (peaks {small} and {large})"


def test_the_tally_keeps_its_floats_out_of_memory(tmp_path: Path) -> None:
    # Five floats an example went to a temporary file: a million-example tally holds its flags
    # (1 MB) and counters, not 41 MB of columns; the summary still reads every value back.
    task = big_task(tmp_path / "t", 60)
    scorer = get_metric(task.spec.default_metric(), task.spec)
    records = list(execute(_plan(task, scorer), Scripted(), store=Store(tmp_path / "s.sqlite"), progress=False).records)
    tracemalloc.start()
    try:
        tally = RunTally(1_000_000, scorer, task.spec.volume.calls_per_day)
        positions = (999_999, 0, 500_000)  # far apart: the gaps read back as nothing tallied
        for at, r in zip(positions, records):
            tally.add(at, r)
        at_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert at_peak < 1_500_000, at_peak
    in_order = [records[1], records[2], records[0]]  # position order: 0, 500,000, 999,999
    assert tally.summary().model_dump() == summarise(in_order, scorer, task.spec.volume.calls_per_day).model_dump()


def test_floats_written_a_buffer_at_a_time_read_back_as_added(tmp_path: Path, monkeypatch) -> None:
    # The tally writes its floats a buffer at a time, consecutive positions together: with a
    # small buffer, answers arriving out of order and gaps between positions, the summary is
    # still the one of the records in position order.
    import taskladder.runner.tally as tally_module

    monkeypatch.setattr(tally_module, "_BUFFERED", 7)
    task = big_task(tmp_path / "t", 300)
    scorer = get_metric(task.spec.default_metric(), task.spec)
    records = list(
        execute(
            _plan(task, scorer), Scripted(error_every=5), store=Store(tmp_path / "s.sqlite"), progress=False
        ).records
    )
    positions = [i * 3 // 2 for i in range(len(records))]  # runs of two, then a gap
    arrival = list(range(len(records)))
    rng = random.Random(2)
    for start in range(0, len(arrival), 20):  # nearly in order: shuffled within windows
        window = arrival[start : start + 20]
        rng.shuffle(window)
        arrival[start : start + 20] = window
    tally = RunTally(positions[-1] + 1, scorer, task.spec.volume.calls_per_day)
    for i in arrival:
        tally.add(positions[i], records[i])
    assert tally.summary().model_dump() == summarise(records, scorer, task.spec.volume.calls_per_day).model_dump()
