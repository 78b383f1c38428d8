"""The exact messages a run sent for one example, rebuilt with the pipeline's ``plan(example)``.

``runner.planning.plan_pipeline`` prepares the run's stored pipeline spec without calling a
model (a rationale bootstrap replays from the call cache) and returns what would be sent.
The task's data is needed for demos and retrieval: the ``--task`` given to ``view``, else the
run's stored task spec read from the current folder. When neither works, the page says why.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import TaskladderError
from ..pipeline.plan import PipelinePlan
from ..runner.planning import plan_pipeline, spec_of_run
from ..store import RunInfo
from ..task import Task, TaskSpec, task_from_spec
from .state import ViewState


def task_of(state: ViewState, info: RunInfo) -> Task:
    if state.task is not None and state.task.name == info.task:
        return state.task
    try:
        spec = TaskSpec.model_validate(info.task_spec)
    except ValidationError:
        raise TaskladderError("the run's stored task spec is not one this version reads") from None
    return task_from_spec(spec, Path.cwd())


PLANS_KEPT = 256  # (run, example) plans kept: preparing a pipeline (demo index, retriever) is the slow part


def messages_for(state: ViewState, info: RunInfo, example_id: str) -> tuple[PipelinePlan | None, str | None]:
    """(plan, note): the plan for this example, or None and why not (kept for a finished run)."""
    key = (info.run_id, example_id)
    hit = state.plans.get(key)
    if hit is not None:
        return hit
    made = _plan(state, info, example_id)
    if info.status in ("finished", "failed"):
        with state.lock:
            if len(state.plans) >= PLANS_KEPT:
                state.plans.pop(next(iter(state.plans)))
            state.plans[key] = made
    return made


def _plan(state: ViewState, info: RunInfo, example_id: str) -> tuple[PipelinePlan | None, str | None]:
    kind = info.pipeline.get("kind")
    if kind == "baseline":
        return None, "an offline baseline: it sends no messages"
    if kind not in (None, "llm"):
        return None, f"a {kind} run: its messages are not planned by a single pipeline"
    try:
        task = task_of(state, info)
        example = next((e for e in task.split(info.split) if e.id == example_id), None)
        if example is None:
            return None, "this example is not in the task's data as loaded here"
        planned = plan_pipeline(task, spec_of_run(info.pipeline), state.models, state.store, [example])
    except (TaskladderError, OSError, ValueError) as exc:  # data moved, an unknown model, an unreadable spec
        return None, f"messages cannot be rebuilt here ({exc}); start `taskladder view --task TASK.yaml`"
    return planned.plans[0], planned.placeholder
