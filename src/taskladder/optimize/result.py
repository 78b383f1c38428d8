"""What an optimisation leaves: the chosen prompt as a pipeline spec, its scores, the spend
(search, split into proposer and evaluation, and confirmation), and the trajectory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pipeline import PipelineSpec
from ..prompt.instructions import system_text
from ..store import Store
from ..task import Task
from .search import Scored, SearchState


@dataclass
class OptimizeResult:
    task: Task
    model: str
    proposer: str
    budget_usd: float
    best: Scored | None
    baseline: Scored | None  # zero-shot, at the examples it reached
    state: SearchState
    spent: dict[str, float]  # paid (calls table) by the runs of this invocation
    charged: dict[str, Any]  # list price of the calls, cached ones included: what the budget counts

    @property
    def spec(self) -> PipelineSpec | None:
        return self.best.spec if self.best else None

    def final_prompt(self) -> str | None:
        """The system message the chosen prompt sends (demos follow it as chat turns)."""
        if self.best is None:
            return None
        labels = {k: self.task.labels(k) for k, o in self.task.spec.outputs.items() if o.type == "label"}
        return system_text(self.task.spec, reasoning=self.best.spec.reasoning,
                           instructions=self.best.spec.instructions, labels=labels)

    def save(self, out_dir: Path) -> Path | None:
        if self.spec is None:
            return None
        out_dir.mkdir(parents=True, exist_ok=True)
        return self.spec.save(out_dir / "pipeline.yaml")

    def as_json(self) -> dict[str, Any]:
        test = self.state.test
        summary = test.run.summary if test else None
        return {
            "task": self.task.name, "model": self.model, "proposer": self.proposer,
            "budget_usd": self.budget_usd,
            "spent_usd": self.spent,
            "charged_usd": self.charged,
            "stopped": self.state.stopped,
            "rounds": self.state.rounds_done + 1,
            "candidates_evaluated": sum(1 for s in self.state.scored.values() if s.scores),
            "best": _scored(self.best),
            "zero_shot": _scored(self.baseline),
            "test": None if summary is None else {
                "run_id": test.run.run_id if test else None, "score": summary.score, "ci_low": summary.ci_low,
                "ci_high": summary.ci_high, "n": summary.n, "metric": summary.metric},
            "final_prompt": self.final_prompt(),
            "pipeline": self.spec.model_dump(exclude_none=True) if self.spec else None,
            "trajectory": [p.as_dict() for p in self.state.trajectory],
            "runs": {"search": self.state.search_runs, "proposer": self.state.proposer_runs,
                     "confirmation": self.state.confirm_runs},
        }


def _scored(s: Scored | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {**s.candidate.describe(), "dev_score": s.mean if s.scores else None, "dev_examples": len(s.scores)}


def spent_of(store: Store, state: SearchState) -> dict[str, float]:
    proposer = store.spent_by_runs(state.proposer_runs)
    evaluation = store.spent_by_runs(state.search_runs)
    confirmation = store.spent_by_runs(state.confirm_runs)
    return {"search": proposer + evaluation, "search_proposer": proposer, "search_evaluation": evaluation,
            "confirmation": confirmation, "total": proposer + evaluation + confirmation}
