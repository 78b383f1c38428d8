"""How a recommended pipeline leaves the climb: saved as a spec, confirmed once on test."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TaskladderError
from ..pipeline import PipelineSpec
from .results import summary_values

if TYPE_CHECKING:
    from .rungs.base import ClimbState

TEST_FIELDS = ("n", "score", "ci_low", "ci_high", "cost_per_1k_calls", "projected_monthly_usd", "cost_usd_spent",
               "errors", "parse_failures")


def save_spec(pipeline: dict[str, Any], out_dir: Path | None) -> str | None:
    if out_dir is None:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    return str(PipelineSpec.model_validate(pipeline).save(out_dir / "pipeline.yaml"))


def confirm_on_test(state: ClimbState, spec: PipelineSpec) -> dict[str, Any] | None:
    if not (state.confirm_on_test and state.task.test):
        return None
    try:
        ev = state.evaluate(spec, split="test", progress=False)
    except TaskladderError as exc:
        return {"status": "not-run", "reason": str(exc)}
    if ev.run.status == "failed":  # the test score of a failed run is not a confirmation
        return {"status": "failed", "reason": ev.summary.failure, "run_id": ev.run.run_id, "split": "test",
                **summary_values(ev, TEST_FIELDS)}
    return {"status": "ran", "run_id": ev.run.run_id, "split": "test", **summary_values(ev, TEST_FIELDS)}
