"""Stores with runs for the viewer's tests and benchmark: built directly, no model calls."""

from __future__ import annotations

import time

from taskladder.store import Record, RunInfo, RunSummary, Store

XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
TASK_SPEC = {"name": "sent", "inputs": ["text"], "outputs": {"label": {"type": "label", "labels": ["pos", "neg"]}},
             "data": {"file": "data.csv"}}


def add_run(store: Store, run_id: str, answers: dict[str, str], *, truth: dict[str, str], label: str = "",
            status: str = "finished", score: float | None = None, failure: str | None = None,
            texts: dict[str, str] | None = None, task: str = "sent", created_at: float | None = None) -> RunInfo:
    """A run whose record for each example answers ``answers[example_id]``."""
    records = [
        Record(run_id=run_id, example_id=eid, split="dev", inputs={"text": (texts or {}).get(eid, f"text of {eid}")},
               expected={"label": truth[eid]}, prediction={"label": ans}, raw_text=ans,
               score=1.0 if ans == truth[eid] else 0.0, cost_usd=0.001, latency_ms=120.0)
        for eid, ans in answers.items()
    ]
    mean = sum(r.score or 0.0 for r in records) / max(1, len(records))
    summary = RunSummary(n=len(records), metric="accuracy", score=mean if score is None else score,
                         ci_low=max(0.0, mean - 0.1), ci_high=min(1.0, mean + 0.1), cost_usd=0.001 * len(records),
                         projected_monthly_usd=12.5, latency_p50_ms=120.0, failure=failure)
    info = RunInfo(run_id=run_id, task=task, model=label or run_id, split="dev", label=label, metric="accuracy",
                   status=status, created_at=created_at or time.time(), task_spec=TASK_SPEC,
                   pipeline={"kind": "baseline", "model": "majority"}, summary=summary)
    store.save_run(info, run_key=f"key-{run_id}")
    store.put_records(records)
    return info


def two_runs(store: Store, n: int = 6) -> tuple[RunInfo, RunInfo, dict[str, str]]:
    """Runs A (all right) and B (wrong on odd examples) over n examples of task 'sent'."""
    truth = {f"e{i}": "pos" if i % 2 == 0 else "neg" for i in range(n)}
    a = add_run(store, "run-aaaaaa", dict(truth), truth=truth, label="model-a")
    b = add_run(store, "run-bbbbbb", {k: "pos" for k in truth}, truth=truth, label="model-b")
    return a, b, truth
