"""The one predictor interface: everything that answers examples.

``Predictor`` is what the run kernel (``runner.kernel``) drives: hosted and local LLM
pipelines, offline baselines, cascades and step graphs all implement it, so a cascade
tier or a step can hold any of them and every run is resumed, cached, budgeted and
recorded the same way. Two knobs tell the kernel how to feed it:
- ``batch_size``: examples per ``apredict`` call (1 for an LLM pipeline, which answers one
  example per call through the runner; hundreds for a vectorised baseline);
- ``concurrency``: ``apredict`` calls in flight at once (many for network-bound LLMs, 1 for
  CPU-bound baselines).
All produce ``Prediction`` objects, so all land on the same leaderboard.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from ..task import Example, Task


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


def total_cost(costs: Iterable[float | None]) -> float | None:
    """The sum of some costs, or None when any is unknown (an unknown price is never $0)."""
    total = 0.0
    for cost in costs:
        if cost is None:
            return None
        total += cost
    return total


class Prediction(BaseModel):
    """What a predictor said about one example."""

    output: dict[str, Any] | None = None  # parsed output fields; None when parsing failed
    raw_text: str = ""
    parse_error: str | None = None
    error: str | None = None  # a call that failed after all retries
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0  # None: the price is unknown (never reported as $0)
    spent_usd: float = 0.0  # paid in this run; 0 when every call came from the cache
    latency_ms: float = 0.0
    cached: bool = False
    calls: int = 0  # provider calls behind this prediction
    cached_calls: int = 0
    confidence: float | None = None  # class probability / vote margin, for cascades
    trace: dict[str, Any] = Field(default_factory=dict)

    @property
    def parse_status(self) -> str:
        if self.error:
            return "error"
        return "failed" if self.output is None else "ok"


@runtime_checkable
class Predictor(Protocol):
    """Answers examples; the run kernel prepares it once, then feeds it batches."""

    name: str
    batch_size: int
    concurrency: int

    async def aprepare(self, task: "Task") -> None:
        """Get ready for ``task``: fit on train, build demo indexes, bootstrap rationales."""

    async def apredict(self, examples: Sequence["Example"]) -> list[Prediction]:
        """One ``Prediction`` per example, in order."""
        ...

    def describe(self) -> dict[str, Any]:
        """Plain data naming what this predictor is (stored with its runs)."""
        ...


class BatchPredictor(ABC):
    """An offline predictor: fit on train, predict many at once (a ``Predictor``)."""

    kind = "baseline"
    # Large enough to vectorise, small enough that the progress bar moves (and runs checkpoint)
    # during a long split: 4096 made Banking77's test split one step from 0 to done.
    batch_size = 512
    concurrency = 1  # CPU-bound: batches one after another

    def __init__(self, name: str):
        self.name = name

    async def aprepare(self, task: "Task") -> None:
        self.fit(task)

    async def apredict(self, examples: Sequence["Example"]) -> list[Prediction]:
        return self.predict(list(examples)) if examples else []

    @abstractmethod
    def fit(self, task: "Task") -> None: ...

    @abstractmethod
    def predict(self, examples: list["Example"]) -> list[Prediction]: ...

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name}
