"""What a rung is, and what it sees while the ladder is climbed.

A rung is one object: its ``name``, whether it ``applies`` to this climb, and how it runs.
Two kinds exist. A ``ModelRung`` is climbed by every model in turn: it builds a pipeline
spec (possibly from the model's best run so far), the climb prices it (``estimate``) and,
budget and patience allowing, ``run``s it; its result then ``feed``s the model's
best-so-far. A ``ClimbRung`` runs once per climb (the baselines before the models, the
cascade after them) and reads what the rungs before it left in the ``ClimbState``.
Either kind also says how a recommended row of its own leaves the climb: the artifact
it is saved as and how it is confirmed on the test split.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from ...errors import TaskladderError
from ...models.config import ModelClimb, ModelConfig, resolve_model
from ...pipeline import PipelineSpec
from ...prompt import count_text_tokens
from ...runner import EvalResult, evaluate
from ...runner.budget import Budget
from ...store import Store
from ...task import Example, Task
from .. import artifacts
from ..estimate import Estimate, estimate_rung
from ..options import LadderOptions
from ..results import ClimbResult, RungResult, score_of
from ..significance import is_significant_gain


@dataclass
class LadderContext:
    """What building a rung's pipeline needs: the task and the climb's options."""

    task: Task
    options: LadderOptions

    @cached_property
    def answer_tokens(self) -> int:
        """A max_tokens that fits the longest expected answer with room to spare."""


        outputs = [json.dumps(e.outputs, ensure_ascii=False) for e in self.task.train[:2000]] or ["x" * 40]
        longest = max(count_text_tokens(outputs, "gpt-4o"))
        return int(min(max(2 * longest + 16, 32), 2048))

    @cached_property
    def spread(self) -> str:
        """How untargeted demos are drawn: one per label in turn for label tasks."""
        has_label = any(o.type == "label" for o in self.task.spec.outputs.values())
        return "stratified" if has_label else "random"


@dataclass
class ClimbState(LadderContext):
    """One climb in progress: its settings, its rows so far and the runs behind them."""

    store: Store
    result: ClimbResult
    models: dict[str, ModelConfig] = field(default_factory=dict)
    model_names: list[str] = field(default_factory=list)
    baselines: list[str] | None = None  # None: every offline baseline
    budget: Budget | None = None
    split: str = "dev"
    limit: int | None = None
    progress: bool = True
    confirm_on_test: bool = True
    runs: dict[int, EvalResult] = field(default_factory=dict)  # index in result.rungs -> its run
    notes: dict[str, Any] = field(default_factory=dict)  # what a rung leaves for its own confirm()

    @cached_property
    def examples(self) -> Sequence[Example]:
        return self.task.split(self.split)[: self.limit if self.limit else None]

    def model_climb(self, model: str) -> ModelClimb | None:
        """The ``climb:`` block models.yaml gives ``model`` (None: climb it like any model)."""
        try:
            return resolve_model(model, self.models).climb
        except TaskladderError:
            return None

    def wants(self, model: str, rung: str) -> bool:
        """Whether ``model`` climbs ``rung``: the climb's options and the model's own ``climb.rungs``."""
        own = self.model_climb(model)
        return self.options.wants(rung) and (own is None or own.wants(rung))

    def limit_for(self, model: str) -> int | None:
        """How many examples of each split ``model`` is run on: the climb's limit, or the model's
        own ``climb.limit`` where smaller (a slow model on a subsample)."""
        own = self.model_climb(model)
        limits = [n for n in (self.limit, own.limit if own else None) if n]
        return min(limits) if limits else None

    def examples_for(self, model: str) -> Sequence[Example]:
        limit = self.limit_for(model)
        return self.examples if limit == self.limit else self.task.split(self.split)[:limit]

    def add(self, row: RungResult, ev: EvalResult | None = None) -> None:
        if ev is not None:
            self.runs[len(self.result.rungs)] = ev
        self.result.rungs.append(row)

    def evaluate(self, spec: PipelineSpec, *, split: str | None = None, progress: bool | None = None) -> EvalResult:
        """A model pipeline's run on the climb's split (or ``split``), paid from the budget."""
        return evaluate(self.task, spec, split=split or self.split, limit=self.limit_for(spec.model), models=self.models,
                        store=self.store, progress=self.progress if progress is None else progress,
                        budget=self.budget, max_error_rate=self.options.max_error_rate)


GAIN_PATIENCE = 2  # successive rungs without a significant gain before a model stops


@dataclass
class ModelState:
    """One model's climb: its best run so far and how many rungs in a row failed to beat it."""

    name: str
    best: EvalResult | None = None
    misses: int = 0

    @property
    def out_of_patience(self) -> bool:
        return self.misses >= GAIN_PATIENCE

    def record(self, ev: EvalResult) -> None:
        if self.best is None or is_significant_gain(self.best, ev):
            self.best, self.misses = ev, 0
        else:
            self.misses += 1
            if score_of(ev) > score_of(self.best):
                self.best = ev  # better, but not significantly: the bar moves, the count does not reset


class Rung(ABC):
    name: ClassVar[str]
    selectable: ClassVar[bool] = False  # picked by LadderOptions.rungs / `climb --rungs`
    spends_budget: ClassVar[bool] = True  # False: its spending is not drawn from the climb's budget
    # False: a model that stopped gaining on the rungs before still climbs this one. For a rung
    # whose technique the task is built for (rag where documents are given): prompt rungs
    # that cannot reach the documents gaining nothing says nothing about it.
    stops_for_no_gain: ClassVar[bool] = True

    def applies(self, ctx: LadderContext) -> bool:
        """Whether this task/climb has this rung at all (a rung that does not apply leaves no row).

        ``LadderOptions.rungs`` is checked by the climb, not here: a selectable rung that
        applies still climbs only when the options want it."""
        return True

    def save(self, row: RungResult, out_dir: Path | None) -> str | None:
        """Write the recommended row as the artifact a user reruns; its path."""
        return artifacts.save_spec(row.pipeline, out_dir)

    def confirm(self, state: ClimbState, row: RungResult) -> dict[str, Any] | None:
        """The recommended row measured once on the test split (None: no confirmation)."""
        return artifacts.confirm_on_test(state, PipelineSpec.model_validate(row.pipeline))


class ModelRung(Rung):
    """A rung every model climbs: one pipeline spec, priced, then run."""

    selectable = True

    @abstractmethod
    def spec(self, ctx: LadderContext, model: ModelState) -> PipelineSpec:
        """The pipeline this rung runs for ``model`` (it may build on ``model.best``)."""

    def estimate(self, state: ClimbState, config: ModelConfig, spec: PipelineSpec) -> Estimate:
        return estimate_rung(state.task, spec, config, state.store, state.examples_for(spec.model))

    def run(self, state: ClimbState, spec: PipelineSpec) -> EvalResult:
        return state.evaluate(spec)

    def feed(self, model: ModelState, ev: EvalResult) -> None:
        """Let this rung's run raise the model's best-so-far for the rungs after it."""
        model.record(ev)


class ClimbRung(Rung):
    """A rung that runs once per climb, adding its rows to ``state``."""

    @abstractmethod
    def run(self, state: ClimbState) -> None: ...
