"""What the narrow gain cost: the task score beside the general score for the original model,
the tuned one and the chosen mix (climb rows with a ``general_score``), and the mix's sweep."""

from __future__ import annotations

from typing import Any

from ..climb_view import ClimbView, RungView
from ..fmt import esc, interval, is_num, score
from ..markup import section, table, td, th


def _num(value: Any, signed: bool = False) -> str:
    if not is_num(value):
        return '<span class="muted">—</span>'
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _side_by_side(rows: list[RungView], original: float | None) -> str:
    head = [
        th("model"),
        th("rung"),
        th("task score"),
        th("general", num=True, title="the encoder's score on the general set (STS Spearman x100)"),
        th("Δ general", num=True, title="general score minus the original model's"),
    ]
    body = [
        (
            "",
            [
                td(f"<b>{esc(r.model)}</b>"),
                td(esc(r.rung)),
                td(f'{score(r.score)} <span class="ci">{interval(r.ci_low, r.ci_high)}</span>'),
                td(_num(r.general_score), num=True),
                td(
                    _num(
                        r.general_score - original if is_num(r.general_score) and is_num(original) else None,
                        signed=True,
                    ),
                    num=True,
                ),
            ],
        )
        for r in rows
    ]
    return table(head, body, cls="general")


def _sweep(row: RungView) -> str:
    mix = row.mix or {}
    points, chosen = mix.get("points") or [], (mix.get("chosen") or {}).get("alpha")
    if not points:
        return ""
    causal = mix.get("kind") == "causal"  # general = -NLL: NLL and agreement shown instead
    general = (
        [
            th("general NLL", num=True, title="nats per answer token of the general set; lower is better"),
            th("agreement %", num=True, title="the original's greedy answer tokens this mix also ranks first"),
        ]
        if causal
        else [th("general", num=True)]
    )
    head = [
        th("alpha", num=True, title="0 = the original model, 1 = the tuned one"),
        th("task (dev)", num=True),
        th("task (test)", num=True, title="shown, never used to choose"),
        *general,
        th(""),
    ]

    def general_cells(p: dict[str, Any]) -> list[str]:
        if causal:
            nll = p.get("nll")
            return [td(f"{nll:.3f}" if is_num(nll) else _num(None), num=True), td(_num(p.get("agreement")), num=True)]
        return [td(_num(p.get("general")), num=True)]

    body = [
        (
            "chosen" if p.get("alpha") == chosen else "",
            [
                td(f"{p.get('alpha'):g}", num=True),
                td(_num(p.get("task_dev")), num=True),
                td(_num(p.get("task_test")), num=True),
                *general_cells(p),
                td("← chosen" if p.get("alpha") == chosen else ""),
            ],
        )
        for p in points
    ]
    rule = esc(f"{mix.get('rule', '')}, delta {mix.get('delta')}")
    how = (
        f"the model's zero-shot answers; general: {esc(mix.get('general_measure', '-NLL'))}"
        if causal
        else "the embed-lr head"
    )
    return (
        f"<h3>Mixing sweep of {esc(mix.get('of', 'the tuned model'))}</h3>"
        f'<p class="muted">Task scores in %, by {how}; rule: {rule}.</p>' + table(head, body, cls="sweep")
    )


def general_html(climb: ClimbView | None) -> str:
    if climb is None:
        return ""
    mixes = [r for r in climb.rungs if r.mix]
    # the side-by-side compares encoders' STS scores; a causal LM's mix shows its NLL in its sweep
    rows = [
        r
        for r in climb.rungs
        if r.status == "ran" and r.general_score is not None and (r.mix or {}).get("kind") != "causal"
    ]
    if not rows and not mixes:
        return ""
    original = next((r.general_score for r in rows if r.rung == "baseline"), None)
    if original is None:
        original = next(((r.mix or {}).get("original_general") for r in mixes), None)
    note = (
        '<p class="muted">The task score on the climb\'s split beside the general score (what the model could '
        "do before the narrow tuning): what the task gain cost, and what mixing the weights won back.</p>"
    )
    return section(
        "general",
        "What the narrow gain cost",
        note + (_side_by_side(rows, original) if rows else "") + "".join(_sweep(r) for r in mixes),
    )
