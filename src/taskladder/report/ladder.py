"""The ladder view: each model's score per rung, rungs in climbing order."""

from __future__ import annotations

from .rows import LeaderRow

# Cheapest first, as the climber walks them; rungs not listed here follow in the order
# they first appear, so a new rung shows up without a code change.
LADDER_ORDER = [
    "baseline", "zero-shot", "few-shot", "max-shots", "knn-shots", "rag", "cot", "knn-cot",
    "consensus", "self-consistency", "best-of-n", "decompose", "finetune",
]


def rung_order(rungs: list[str]) -> list[str]:
    known = [r for r in LADDER_ORDER if r in rungs]
    extra = list(dict.fromkeys(r for r in rungs if r not in LADDER_ORDER))
    return known + extra


def ladder_grid(
    rows: list[LeaderRow],
) -> tuple[list[str], list[str], dict[tuple[str, str], LeaderRow]]:
    """``(rungs, models, cell)`` for runs that name a rung.

    When one (model, rung) was run more than once, the latest run counts: a rerun is
    usually a fix, and showing the best of several tries would flatter the rung.
    """
    cells: dict[tuple[str, str], LeaderRow] = {}
    for row in rows:
        if not row.rung:
            continue
        key = (row.model, row.rung)
        if key not in cells or row.created_at >= cells[key].created_at:
            cells[key] = row
    rungs = rung_order([r for _, r in cells])
    models = list(dict.fromkeys(m for m, _ in cells))
    return rungs, models, cells
