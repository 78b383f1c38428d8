"""One typed leaderboard row per run, read from ``RunInfo.summary``.

The report never reaches into summaries anywhere else, so a renamed summary key is a
one-line fix here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from ..store.records import Record, RunInfo, RunSummary
from .fmt import is_num
from .pareto import pareto_frontier


class LeaderRow(BaseModel):
    run_id: str
    model: str
    rung: str | None = None
    kind: str | None = None
    split: str = ""
    metric: str = ""
    score: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    cost_per_1k: float | None = None  # None: price unknown
    projected_monthly: float | None = None
    cost_usd: float | None = None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    parse_failures: int | None = None
    errors: int | None = None
    calls: int | None = None
    cached_calls: int | None = None
    gold_patches: int | None = None  # repairs made in `taskladder view` that this run's examples carried
    created_at: float = 0.0
    pareto: bool = False
    status: str = "finished"  # the run's status: failed runs are marked wherever they show

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def label(self) -> str:
        """Short name for plots and headings: ``model · rung``."""
        return f"{self.model} · {self.rung}" if self.rung else self.model


def _num(summary: RunSummary, key: str) -> float | None:
    value = getattr(summary, key, None)
    return float(value) if is_num(value) else None  # NaN and infinities read as missing


def _int(summary: RunSummary, key: str) -> int | None:
    value = getattr(summary, key, None)
    return int(value) if is_num(value) else None


def row_of(info: RunInfo) -> LeaderRow:
    s = info.summary
    rung = info.pipeline.get("rung") if isinstance(info.pipeline, dict) else None
    kind = info.pipeline.get("kind") if isinstance(info.pipeline, dict) else None
    return LeaderRow(
        run_id=info.run_id,
        model=info.model,
        rung=str(rung) if rung else None,
        kind=str(kind) if kind else None,
        split=info.split,
        metric=str(s.metric or info.metric or ""),
        score=_num(s, "score"),
        ci_low=_num(s, "ci_low"),
        ci_high=_num(s, "ci_high"),
        n=_int(s, "n"),
        cost_per_1k=_num(s, "cost_per_1k_calls"),
        projected_monthly=_num(s, "projected_monthly_usd"),
        cost_usd=_num(s, "cost_usd"),
        latency_p50_ms=_num(s, "latency_p50_ms"),
        latency_p95_ms=_num(s, "latency_p95_ms"),
        parse_failures=_int(s, "parse_failures"),
        errors=_int(s, "errors"),
        calls=_int(s, "calls"),
        cached_calls=_int(s, "cached_calls"),
        gold_patches=_int(s, "gold_patches"),
        created_at=info.created_at,
        status=str(info.status or "finished"),
    )


def leaderboard(runs: Sequence[tuple[RunInfo, Iterable[Record]]]) -> list[tuple[LeaderRow, Iterable[Record]]]:
    """Rows best score first (unscored runs last), Pareto-optimal rows flagged."""
    rows = [(row_of(info), records) for info, records in runs]
    for i in pareto_frontier([(r.score, r.cost_per_1k) for r, _ in rows]):
        rows[i][0].pareto = True
    # Stable sort: ties keep the caller's order, so the report is deterministic.
    rows.sort(key=lambda rr: (rr[0].score is None, -(rr[0].score or 0.0)))
    return rows
