"""The typed log: one ``Record`` per (run, example), one ``RunInfo`` per run.

Reports, exports, comparisons and rankings are all derived from these, never from ad-hoc
state, so a run can be re-scored, re-reported or resumed from the store alone.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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


class RunSummary(BaseModel):
    """What a finished run measured, derived from its records alone (``runner.summary``).

    Every command's run carries this one model; command-specific parts (a steps run's
    per-step report, a cascade's tier shares) are optional typed fields, absent elsewhere.
    Every field may be None (not measured), and extra keys are kept, so summaries written by
    older and newer versions both still read.
    """

    model_config = ConfigDict(extra="allow")

    n: int | None = 0
    metric: str | None = ""
    score: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    parse_failures: int | None = 0
    errors: int | None = 0
    cost_usd: float | None = None  # None: some call's price is unknown
    cost_usd_spent: float | None = 0.0  # paid by this run (0 for cached calls)
    cost_per_1k_calls: float | None = None
    latency_p50_ms: float | None = 0.0
    latency_p95_ms: float | None = 0.0
    calls: int | None = 0
    cached_calls: int | None = 0
    input_tokens: int | None = 0
    output_tokens: int | None = 0
    calls_per_day: float | None = 0.0
    shots_used_mean: float | None = 0.0  # k-shot rungs: demos the prompts really carried
    retrieval_recall_at_k: float | None = None  # RAG rungs on rows that name their gold sources
    projected_monthly_usd: float | None = None
    retries: int | None = 0
    resumed_records: int | None = 0  # records this run found already stored (a resumed run)
    gold_patches: int | None = None  # gold patches (viewer repairs) applied to this run's examples
    # runner.health: is the score a result? (status "failed" on the run when ``failure`` is set)
    error_rate: float | None = None
    parse_failure_rate: float | None = None
    parse_failures_high: bool | None = None  # above 5%: flag it wherever the score is shown
    first_error: str | None = None  # status code and provider message, secrets scrubbed
    failure: str | None = None  # why the run failed, one line
    # steps runs
    steps: dict[str, dict[str, Any]] | None = None
    attribution: dict[str, Any] | None = None
    # cascade runs
    thresholds: list[float] | None = None
    signal: str | None = None
    share_escalated: float | None = None
    tier_share: dict[str, float] | None = None
    # arena runs
    judgments: int | None = None

    # Mapping-style reads, so code written against the old summary dict keeps working.
    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        value = getattr(self, key, None)
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and getattr(self, key, None) is not None


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
    status: str = "running"  # running | finished | interrupted | failed (too many errors: see summary.failure)
    created_at: float = 0.0
    # What `runs` and `arena` call it: every technique its pipeline uses, with the demos its
    # prompts really carried (``pipeline.run_label``); set when an LLM or baseline run finishes.
    label: str = ""
    summary: RunSummary = Field(default_factory=RunSummary)
