"""The exact messages a run sent for one of its examples, for the report.

Made with the pipeline's public ``plan(example)`` (through ``runner.planning``), which calls
nothing: the report never starts calls of its own. A run whose messages cannot be rebuilt
(its model or task is not known here, an offline baseline) says why instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from ..errors import TaskladderError
from ..models.config import ModelConfig
from ..pipeline.plan import PipelinePlan
from ..runner.planning import plan_pipeline, spec_of_run
from ..store import Store
from ..store.db import StoredRecords
from ..store.records import Record, RunInfo
from ..task import Task


class RunMessages(BaseModel):
    plan: PipelinePlan | None = None
    note: str | None = None  # why there is no plan, or why it is not exact


def _example_id(records: Iterable[Record]) -> str | None:
    """The run's first answered example in id order, so every run shows the same one when it can."""
    if isinstance(records, StoredRecords):
        return records.first_example_id()  # a stored run: one query, not a pass over its records
    return min((r.example_id for r in records), default=None)


def run_messages(info: RunInfo, records: Iterable[Record], task: Task, models: dict[str, ModelConfig],
                 store: Store) -> RunMessages:
    kind = info.pipeline.get("kind")
    if kind == "baseline":
        return RunMessages(note="an offline baseline: it sends no messages")
    if kind not in (None, "llm"):
        return RunMessages(note=f"a {kind} run: its messages are not planned by a single pipeline")
    wanted = _example_id(records)
    try:
        by_id = {e.id: e for e in task.split(info.split)} if info.split else {}
        example = by_id.get(wanted) if wanted else None
        if example is None:
            return RunMessages(note="none of its examples is in this task's data any more")
        planned = plan_pipeline(task, spec_of_run(info.pipeline), models, store, [example])
    except TaskladderError as exc:  # an unknown model or split, a spec this version cannot read
        return RunMessages(note=f"its messages cannot be rebuilt here: {exc}")
    return RunMessages(plan=planned.plans[0], note=planned.placeholder)


def plan_runs(runs: Sequence[tuple[RunInfo, Iterable[Record]]], task: Task, models: dict[str, ModelConfig],
              store: Store) -> dict[str, RunMessages]:
    """One example's messages per run, keyed by run id (runs of other tasks are left out)."""
    return {info.run_id: run_messages(info, records, task, models, store)
            for info, records in runs if info.task == task.name}
