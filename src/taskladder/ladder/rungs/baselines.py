"""baseline: the offline predictors (majority, tf-idf, embeddings...), run before any model.

They cost nothing to call, so they are neither priced nor drawn from the budget; a
baseline that cannot run here (a missing optional dependency) leaves an ``unavailable`` row.
"""

from __future__ import annotations

from ...baselines import BASELINE_NAMES
from ...errors import TaskladderError
from ...pipeline import PipelineSpec
from ...runner import evaluate
from ..results import RungResult, row_from_run
from .base import ClimbRung, ClimbState


class Baselines(ClimbRung):
    name = "baseline"
    spends_budget = False

    def run(self, state: ClimbState) -> None:
        for name in state.baselines if state.baselines is not None else _default_baselines():
            spec = PipelineSpec(model=name, rung=self.name)
            try:
                ev = evaluate(state.task, spec, split=state.split, limit=state.limit, store=state.store,
                              progress=state.progress)
            except TaskladderError as exc:
                state.add(RungResult(model=name, rung=self.name, pipeline=spec.model_dump(exclude_none=True),
                                     status="unavailable", reason=str(exc)))
                continue
            state.add(row_from_run(name, spec, ev, 0.0, 0.0), ev)


def _default_baselines() -> list[str]:
    return list(BASELINE_NAMES)
