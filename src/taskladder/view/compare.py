"""Examples side by side: two or more runs of one task on their shared examples, with filters.

``/compare?runs=A&runs=B`` lists the shared examples (filters: wrong only, disagreements,
errors or parse failures, an expected label, text search); each example has a stable URL,
``/examples/{task}/{example_id}?runs=A&runs=B``, with everything known about it (examples.py).
Expected outputs shown are the gold-patched ones, marked as such.

Filtering works on digests (score, status, answer key and expected output, read from their own
indexed columns: store/keys.py), and only the page shown is parsed into records: 10,000-example
runs stay fast. An expected output is parsed only when the label filter needs it, once per
distinct value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable
from urllib.parse import quote

from ..store import Record, RunInfo
from .state import Digest, ViewState, parse_expected

PAGE_SIZE = 50
FILTERS = {"": "all", "wrong": "wrong in some run", "disagree": "runs disagree", "error": "error or parse failure"}


@dataclass
class Row:
    example_id: str
    inputs: dict[str, Any]
    expected: dict[str, Any]
    patched: bool
    ambiguous: bool
    cells: list[Record]
    disagree: bool


@dataclass
class Comparison:
    runs: list[RunInfo]
    rows: list[Row]  # the page shown
    total: int  # shared examples matching the filters
    shared: int  # shared examples before filtering
    ids: list[str] = field(default_factory=list)  # every matching example id, in order
    labels: list[str] = field(default_factory=list)
    page: int = 1
    pages: int = 1
    error: str | None = None


def label_fields(info: RunInfo) -> list[str]:
    outputs = info.task_spec.get("outputs", {}) if isinstance(info.task_spec, dict) else {}
    return [k for k, v in outputs.items() if isinstance(v, dict) and v.get("type") == "label"]


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
    if not infos:
        return [], "pick at least one run (tick two or more on the runs page, then Compare)"
    if len({i.task for i in infos}) > 1:
        return [], "these runs are of different tasks; compare runs of one task"
    return infos, None


def _keep(cells: list[Digest], expected: Callable[[], dict[str, Any]], only: str, label: str,
          fields: list[str]) -> bool:
    if only == "wrong" and not any(c.wrong for c in cells):
        return False
    if only == "disagree" and len({c.answer for c in cells}) < 2:
        return False
    if only == "error" and not any(c.failed for c in cells):
        return False
    if not label:
        return True
    values = expected()
    return any(str(values.get(f)) == label for f in fields or list(values))


def compare(state: ViewState, run_ids: list[str], *, only: str = "", label: str = "", q: str = "",
            page: int = 1, page_size: int = PAGE_SIZE) -> Comparison:
    infos, error = resolve_runs(state, run_ids)
    if error:
        return Comparison(runs=[], rows=[], total=0, shared=0, error=error)
    digests = [state.digests(i) for i in infos]
    first, others = digests[0], digests[1:]
    shared = [eid for eid in first if all(eid in other for other in others)]
    patches = patched_expected(state, infos[0].task)
    fields = label_fields(infos[0])
    found = set().union(*(state.store.search_records(i.run_id, q) for i in infos)) if q else None

    def expected_of(eid: str) -> dict[str, Any]:
        fix = patches.get(eid)
        return {**first[eid].expected, **fix["fields"]} if fix and fix["fields"] else first[eid].expected

    # The label list: from each distinct expected output (a handful in a label task), not each row.
    labels: set[str] = set()
    keys = {first[eid].expected_key for eid in shared if eid not in patches}
    for values in [parse_expected(k) for k in keys] + [expected_of(eid) for eid in shared if eid in patches]:
        labels.update(str(values[f]) for f in fields if values.get(f) is not None)
    kept = [eid for eid in shared
            if (found is None or eid in found)
            and _keep([d[eid] for d in digests], partial(expected_of, eid), only, label, fields)]
    pages = max(1, -(-len(kept) // page_size))
    page = min(max(1, page), pages)
    shown = kept[(page - 1) * page_size: page * page_size]
    records = [state.store.get_records_of(i.run_id, shown) for i in infos]
    rows = []
    for eid in shown:
        cells = [r[eid] for r in records]
        fix = patches.get(eid)
        rows.append(Row(eid, cells[0].inputs, expected_of(eid), bool(fix and fix["fields"]),
                        bool(fix and fix["ambiguous"]), cells, len({d[eid].answer for d in digests}) > 1))
    return Comparison(runs=infos, rows=rows, total=len(kept), shared=len(shared), ids=kept, labels=sorted(labels),
                      page=page, pages=pages)
