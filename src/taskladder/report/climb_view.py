"""What the report reads of a climb (``climb.json`` / ``ClimbResult``), typed and tolerant.

The report takes the climb as plain data so a climb.json written by another version still
renders: unknown fields are ignored, missing ones read as unknown.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class RungView(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    rung: str
    status: str
    reason: str | None = None
    skip_reason: str | None = None  # why a rung did not run, when the climb says so apart
    run_id: str | None = None
    score: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    # A model that could not be called has projections instead of measured figures; either name reads.
    cost_per_1k_calls: float | None = Field(default=None, validation_alias=AliasChoices(
        "cost_per_1k_calls", "projected_cost_per_1k_calls", "estimated_cost_per_1k_calls"))
    projected_monthly_usd: float | None = Field(default=None, validation_alias=AliasChoices(
        "projected_monthly_usd", "estimated_monthly_usd"))
    estimated_cost_usd: float | None = None
    max_cost_usd: float | None = None
    cost_usd_spent: float | None = None
    general_score: float | None = None  # embed-tuned / mix / original rows, with a general set
    mix: dict[str, Any] | None = None  # a mix row's sweep

    @property
    def why(self) -> str | None:
        """The short reason, then its detail (the climb keeps both: "model not callable — set KEY ...")."""
        return " — ".join(dict.fromkeys(t for t in (self.skip_reason, self.reason) if t)) or None


class ClimbView(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task: str = ""
    split: str = ""
    budget_usd: float | None = None
    spent_usd: float | None = None
    rungs: list[RungView] = Field(default_factory=list)
    recommendation: dict[str, Any] | None = None
    test: dict[str, Any] | None = None
    pipeline_path: str | None = None
    rerun_command: str | None = None
    prompt_search: list[dict[str, Any]] = Field(default_factory=list)  # the optimize rung's summaries


def climb_view(climb: Any) -> ClimbView | None:
    """A ``ClimbResult``, its ``model_dump()`` or the climb.json payload, as the report reads it."""
    if climb is None:
        return None
    if isinstance(climb, BaseModel):
        climb = climb.model_dump()
    return ClimbView.model_validate(climb)
