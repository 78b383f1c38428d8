"""The runs page (``/``): every stored run grouped by task as a leaderboard, with live progress.

Each task's finished runs are ranked by score with their 95% interval, cost, projected cost
per month and latency; failed runs are marked and never ranked. A running run's row polls
``/runs/{id}/row`` so progress from another process shows up without a reload.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from ..store import RunInfo
from .climb import climb_decision
from .state import ViewState

MAX_RUNS = 1000


@dataclass
class RunRow:
    info: RunInfo
    done: int  # records stored so far (live while running)

    @property
    def failed(self) -> bool:
        return self.info.status == "failed"

    @property
    def running(self) -> bool:
        return self.info.status in ("running", "interrupted")

    @property
    def name(self) -> str:
        rung = self.info.pipeline.get("rung")
        return self.info.label or (f"{self.info.model} · {rung}" if rung else self.info.model)

    @property
    def score(self) -> float | None:
        return self.info.summary.score


def chart(rows: list[RunRow], width: float = 420.0) -> list[dict[str, Any]]:
    """Bars for the ladder chart: score with its 95% interval on a 0–1 axis (finished runs)."""
    bars = []
    for k, r in enumerate(x for x in rows if x.score is not None and not x.failed):
        s = r.info.summary
        lo = s.ci_low if s.ci_low is not None else s.score
        hi = s.ci_high if s.ci_high is not None else s.score
        bars.append({"y": 6 + 22 * k, "w": width * max(0.0, min(1.0, r.score or 0.0)),
                     "lo": width * max(0.0, min(1.0, lo or 0.0)), "hi": width * max(0.0, min(1.0, hi or 0.0)),
                     "name": r.name, "score": r.score})
    return bars


def leaderboards(state: ViewState) -> list[dict[str, Any]]:
    infos = state.store.list_runs(limit=MAX_RUNS)
    counts = {i.run_id: len(state.store.record_ids(i.run_id)) for i in infos if i.status in ("running", "interrupted")}
    by_task: dict[str, list[RunRow]] = defaultdict(list)
    for info in infos:
        by_task[info.task].append(RunRow(info, counts.get(info.run_id, info.summary.n or 0)))
    boards = []
    for task, rows in by_task.items():
        # Finished first by score, then failed (never ranked), then the ones in progress.
        rows.sort(key=lambda r: (r.running, r.failed, -(r.score if r.score is not None else -1.0)))
        rank = 0
        ranks = {}
        for r in rows:
            if not r.failed and not r.running and r.score is not None:
                rank += 1
                ranks[r.info.run_id] = rank
        boards.append({"task": task, "rows": rows, "ranks": ranks, "bars": chart(rows),
                       "climb": climb_decision(state.climbs, task)})
    return boards


def register(router: APIRouter, state: ViewState, templates: Any) -> None:
    @router.get("/", response_class=HTMLResponse)
    def runs_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "runs.html", state.context(boards=leaderboards(state),
                                                                             poll=state.poll_seconds))

    @router.get("/runs/{run_id}/row", response_class=HTMLResponse)
    def run_row(request: Request, run_id: str, rank: str = "") -> HTMLResponse:
        info = state.run(run_id)
        if info is None:
            raise HTTPException(404, f"no run {run_id}")
        done = len(state.store.record_ids(info.run_id))
        return templates.TemplateResponse(request, "run_row.html", state.context(
            r=RunRow(info, done), rank=rank, poll=state.poll_seconds))
