"""The typed log: one ``Record`` per (run, example), one ``RunInfo`` per run.

Reports, exports, comparisons and rankings are all derived from these, never from ad-hoc
state, so a run can be re-scored, re-reported or resumed from the store alone.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Record(BaseModel):
    run_id: str
    example_id: str
    split: str
    inputs: dict[str, Any]
    expected: dict[str, Any]
    prediction: dict[str, Any] | None = None
    raw_text: str = ""
    parse_status: str = "ok"  # ok | failed | error
    parse_error: str | None = None
    score: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0  # None: unknown price; a cached call keeps its original cost
    spent_usd: float = 0.0  # what this run actually paid (0 for cache hits)
    latency_ms: float = 0.0
    calls: int = 0
    cached_calls: int = 0
    error: str | None = None
    confidence: float | None = None
    trace: dict[str, Any] = Field(default_factory=dict)


class RunInfo(BaseModel):
    """A run: which task, predictor/pipeline and split; its summary once finished."""

    run_id: str
    task: str
    task_fingerprint: str = ""
    model: str
    split: str
    pipeline: dict[str, Any] = Field(default_factory=dict)
    metric: str = ""
    task_spec: dict[str, Any] = Field(default_factory=dict)  # to re-score and compare from the store alone
    status: str = "running"  # running | finished | interrupted
    created_at: float = 0.0
    summary: dict[str, Any] = Field(default_factory=dict)
