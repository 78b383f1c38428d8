"""Every run's worst examples (each run folded), with everything needed to see why."""

from __future__ import annotations

from ...store.records import Record
from ..digest import WORST_LIMIT as LIMIT
from ..digest import RunDigest
from ..fmt import esc, score, show
from ..markup import long_text, section
from ..rows import LeaderRow


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


def _run_errors(row: LeaderRow, d: RunDigest, best: bool) -> str:
    cases, wrong_total = d.worst, d.wrong
    failed = ' <span class="badge failed">failed</span>' if row.failed else ""
    title = (f"<b>{esc(row.label)}</b>{failed}" + (" (best run)" if best else "")
             + f' <span class="muted">· {wrong_total} of {d.n} not fully right</span>')
    if not cases:
        return f"<details><summary>{title}</summary><p class=\"muted\">Every example right.</p></details>"
    shown = (f'<p class="muted">The worst {len(cases)} of {wrong_total}.</p>' if wrong_total > len(cases) else "")
    return f"<details><summary>{title}</summary>{shown}{''.join(_case(r) for r in cases)}</details>"


def errors_html(rows: list[tuple[LeaderRow, RunDigest]]) -> str:
    """Every run's worst examples, each run folded (a baseline's mistakes are rarely the
    ones that matter, so no run is singled out), best score first."""
    scored = [(row, d) for row, d in rows if d.n]
    if not scored:
        return ""
    intro = (
        f'<p class="muted">For each run, up to {LIMIT} examples it did not get fully right: call errors '
        "first, then parse failures, then the lowest scores. Open a run to see them.</p>"
    )
    runs = "".join(_run_errors(row, d, i == 0) for i, (row, d) in enumerate(scored))
    return section("errors", "Worst errors", intro + runs)
