"""What a pipeline, judge or transform needs from "something that calls a model".

The runner's ``ModelCaller`` (cache, budget, retries, rate limits) is the implementation;
the layers below the runner (pipeline, rank, reasoning, sampling, synth) see only this
protocol, so they never import the runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from ..store import Store
from .config import ModelConfig


class CallOutcome(BaseModel):
    texts: list[str] = []
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    latency_ms: float = 0.0
    cached: bool = False
    error: str | None = None
    logprob: float | None = None  # mean token log-probability, when requested and returned

    @property
    def text(self) -> str:
        return self.texts[0] if self.texts else ""


@dataclass
class RunStats:
    """Live counters for the progress bar and the summary."""

    calls: int = 0
    cached_calls: int = 0
    errors: int = 0
    retries: int = 0
    spent_usd: float = 0.0
    unknown_cost_calls: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    run_id: str | None = None  # the run paying for new calls: each cached call is tagged with it


class Caller(Protocol):
    """One model, called with cached, costed, budgeted calls."""

    cfg: ModelConfig
    store: Store  # where calls and derived rows (e.g. kept rationales) are persisted
    stats: RunStats

    @property
    def concurrency(self) -> int: ...

    def params(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]: ...

    def key(self, messages: list[dict[str, str]], params: dict[str, Any], sample_index: int = 0) -> str: ...

    async def call(self, messages: list[dict[str, str]], params: dict[str, Any] | None = None,
                   sample_index: int = 0) -> CallOutcome: ...

    def for_model(self, cfg: ModelConfig) -> Caller:
        """A caller for another model that shares this one's store and budget (e.g. a judge)."""
        ...
