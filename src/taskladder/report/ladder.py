"""The ladder view: each model's score per rung, rungs in climbing order."""

from __future__ import annotations

from ..ladder import rung_names
from .rows import LeaderRow

# Rung names other commands give their runs; they follow the ladder's own rungs.
OTHER_RUNGS = ["self-consistency", "best-of-n", "decompose", "finetune"]


def ladder_order() -> list[str]:
    """Cheapest first, as the climber walks them (the ladder's own list), then the others."""

    return list(dict.fromkeys([*rung_names(), *OTHER_RUNGS]))


def rung_order(rungs: list[str]) -> list[str]:
    """``rungs`` in ladder order; rungs not known follow in the order they first appear,
    so a new rung shows up without a code change."""
    order = ladder_order()
    known = [r for r in order if r in rungs]
    extra = list(dict.fromkeys(r for r in rungs if r not in order))
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
