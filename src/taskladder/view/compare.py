"""Examples side by side: two or more runs of one task on their shared examples, with filters.

``/compare?runs=A&runs=B`` lists the shared examples (filters: wrong only, disagreements,
errors or parse failures, an expected label, text search); each example has a stable URL,
``/examples/{task}/{example_id}?runs=A&runs=B``, with everything known about it (examples.py).
Expected outputs shown are the gold-patched ones, marked as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..store import Record, RunInfo
from .state import ViewState

PAGE_SIZE = 50
FILTERS = {"": "all", "wrong": "wrong in some run", "disagree": "runs disagree", "error": "error or parse failure"}


def is_wrong(r: Record) -> bool:
    return r.error is not None or r.parse_status != "ok" or (r.score is not None and r.score < 1.0)


def is_error(r: Record) -> bool:
    return r.error is not None or r.parse_status != "ok"


def answer_key(r: Record) -> str:
    return json.dumps(r.prediction, sort_keys=True, default=str) if r.prediction is not None else f"raw:{r.raw_text}"


@dataclass
class Row:
    example_id: str
    inputs: dict[str, Any]
    expected: dict[str, Any]
    patched: bool
    ambiguous: bool
    cells: list[Record]

    @property
    def disagree(self) -> bool:
        return len({answer_key(r) for r in self.cells}) > 1

    @property
    def any_wrong(self) -> bool:
        return any(is_wrong(r) for r in self.cells)

    @property
    def any_error(self) -> bool:
        return any(is_error(r) for r in self.cells)


@dataclass
class Comparison:
    runs: list[RunInfo]
    rows: list[Row]  # the page shown
    total: int  # shared examples matching the filters
    shared: int  # shared examples before filtering
    labels: list[str] = field(default_factory=list)
    page: int = 1
    pages: int = 1
    error: str | None = None


def label_values(info: RunInfo, records: list[Record]) -> list[str]:
    outputs = info.task_spec.get("outputs", {}) if isinstance(info.task_spec, dict) else {}
    fields = [k for k, v in outputs.items() if isinstance(v, dict) and v.get("type") == "label"]
    return sorted({str(r.expected.get(f)) for r in records for f in fields if r.expected.get(f) is not None})


def patched_expected(state: ViewState, task: str) -> dict[str, dict[str, Any]]:
    """Example id -> {"fields": {field: value}, "ambiguous": bool} from the patches in force."""
    out: dict[str, dict[str, Any]] = {}
    for p in state.store.gold_patches(task):
        slot = out.setdefault(p["example_id"], {"fields": {}, "ambiguous": False})
        if p["ambiguous"]:
            slot["ambiguous"] = True
        elif p["field"] is not None:
            slot["fields"][p["field"]] = p["new_value"]
    return out


def runs_query(run_ids: list[str]) -> str:
    """``runs=A&runs=B`` for a URL, each id quoted."""
    return "&".join(f"runs={quote(r, safe='')}" for r in run_ids)


def resolve_runs(state: ViewState, run_ids: list[str]) -> tuple[list[RunInfo], str | None]:
    infos = []
    for rid in dict.fromkeys(r for r in run_ids if r):
        info = state.run(rid)
        if info is None:
            return [], f"no run '{rid}' in the store"
        infos.append(info)
    if len(infos) < 1:
        return [], "pick at least one run (tick two or more on the runs page, then Compare)"
    if len({i.task for i in infos}) > 1:
        return [], "these runs are of different tasks; compare runs of one task"
    return infos, None


def matches(row: Row, only: str, label: str, q: str) -> bool:
    if only == "wrong" and not row.any_wrong:
        return False
    if only == "disagree" and not row.disagree:
        return False
    if only == "error" and not row.any_error:
        return False
    if label and label not in {str(v) for v in row.expected.values()}:
        return False
    if q:
        needle = q.lower()
        hay = [json.dumps(row.inputs, ensure_ascii=False), json.dumps(row.expected, ensure_ascii=False), row.example_id]
        hay += [c.raw_text for c in row.cells]
        if not any(needle in h.lower() for h in hay):
            return False
    return True


def compare(state: ViewState, run_ids: list[str], *, only: str = "", label: str = "", q: str = "",
            page: int = 1, page_size: int = PAGE_SIZE) -> Comparison:
    infos, error = resolve_runs(state, run_ids)
    if error:
        return Comparison(runs=[], rows=[], total=0, shared=0, error=error)
    by_run = [state.records(i) for i in infos]
    patches = patched_expected(state, infos[0].task)
    first = by_run[0]
    shared_ids = [eid for eid in first if all(eid in other for other in by_run[1:])]
    rows = []
    for eid in shared_ids:
        rec = first[eid]
        fix = patches.get(eid)
        expected = {**rec.expected, **fix["fields"]} if fix else rec.expected
        rows.append(Row(eid, rec.inputs, expected, bool(fix and fix["fields"]), bool(fix and fix["ambiguous"]),
                        [m[eid] for m in by_run]))
    kept = [r for r in rows if matches(r, only, label, q)]
    pages = max(1, -(-len(kept) // page_size))
    page = min(max(1, page), pages)
    return Comparison(runs=infos, rows=kept[(page - 1) * page_size: page * page_size], total=len(kept),
                      shared=len(shared_ids), labels=label_values(infos[0], list(first.values())), page=page,
                      pages=pages)
