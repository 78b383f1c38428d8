"""The best run's worst examples, with everything needed to see why."""

from __future__ import annotations

from ...store.records import Record
from ..fmt import esc, score, show
from ..markup import long_text, section
from ..rows import LeaderRow
from ..worst import worst_errors

LIMIT = 25


def _fields(values: dict | None, limit: int) -> str:
    if values is None:
        return '<span class="err">no prediction</span>'
    if not values:
        return '<span class="muted">—</span>'
    return "".join(
        f'<div class="field">{esc(k)}</div>{long_text(show(v), limit)}' for k, v in values.items()
    )


def _case(r: Record) -> str:
    status = esc(r.parse_status)
    problem = ""
    if r.error:
        problem = f'<p class="err"><b>call error:</b> {esc(r.error)}</p>'
    elif r.parse_error or r.parse_status != "ok":
        problem = f'<p class="err"><b>parse {status}:</b> {esc(r.parse_error or "")}</p>'
    raw = long_text(r.raw_text, 300) if r.raw_text else '<span class="muted">—</span>'
    return (
        f'<div class="case"><h3>example {esc(r.example_id)} · score {score(r.score)} · '
        f"{status}</h3>{problem}"
        f'<div class="grid"><div><div class="lbl">inputs</div>{_fields(r.inputs, 600)}</div>'
        f'<div><div class="lbl">expected</div>{_fields(r.expected, 300)}'
        f'<div class="lbl">prediction</div>{_fields(r.prediction, 300)}</div></div>'
        f'<div class="lbl">raw model text</div>{raw}</div>'
    )


def errors_html(rows: list[tuple[LeaderRow, list[Record]]]) -> str:
    best = next(((row, recs) for row, recs in rows if recs), None)
    if best is None:
        return ""
    row, recs = best
    cases = worst_errors(recs, LIMIT)
    wrong_total = len(worst_errors(recs, len(recs)))
    intro = (
        f'<p class="muted">Best run: <b>{esc(row.label)}</b>. {wrong_total} of {len(recs)} '
        f"examples were not fully right; the worst {len(cases)} are shown: call errors first, "
        "then parse failures, then the lowest scores.</p>"
    )
    if not cases:
        return section("errors", "Worst errors", intro)
    return section("errors", "Worst errors", intro + "".join(_case(r) for r in cases))
