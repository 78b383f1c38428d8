"""What a pipeline would send for one example, without sending it: ``LLMPipeline.plan``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PlannedCall(BaseModel):
    """One provider call exactly as it would go out."""

    sample_index: int = 0
    messages: list[dict[str, str]]
    # As sent: evaluation defaults < model config < pipeline params (the pipeline's own
    # overrides alone when no caller is known).
    params: dict[str, Any]
    cache_key: str | None = None  # the call cache's key; None without a caller (no model identity)


class PipelinePlan(BaseModel):
    example_id: str
    pipeline: str  # the pipeline's label
    model: str
    calls: list[PlannedCall] = Field(default_factory=list)
    trace: dict[str, Any] = Field(default_factory=dict)  # demo_ids, context_ids, retrieval_recall, guard
    blocked: str | None = None  # the input guard blocks this example: no call goes out
    # Best-of-N: a pairwise judge compares the samples after they come back; its calls depend
    # on the answers, so they cannot be listed here.
    judge_calls_follow: bool = False
    judge: str | None = None
