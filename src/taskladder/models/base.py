"""The one predictor interface that LLM pipelines and offline baselines share.

Two shapes, because they run differently:
- ``BatchPredictor``: fitted on the train split, then answers a list of examples at once
  (offline baselines; vectorised, no network, no cost).
- LLM pipelines (``pipeline.llm.LLMPipeline``): answer one example per awaitable
  ``apredict(example, caller)``; the runner's ``ModelCaller`` adds concurrency, retries,
  rate limits, caching and cost.
Both produce ``Prediction`` objects, so both land on the same leaderboard.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

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


class BatchPredictor(ABC):
    """An offline predictor: fit on train, predict many at once."""

    kind = "baseline"

    def __init__(self, name: str):
        self.name = name

    @abstractmethod
    def fit(self, task: "Task") -> None: ...

    @abstractmethod
    def predict(self, examples: list["Example"]) -> list[Prediction]: ...

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name}
