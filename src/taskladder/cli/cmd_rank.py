"""``taskladder rank JUDGMENTS.jsonl``: a Bradley–Terry leaderboard from pairwise judgments."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..errors import TaskladderError
from ..rank import load_judgments, rank_comparisons
from .app import app, fail, print_json


@app.command("rank")
def rank_cmd(
    judgments: Path = typer.Argument(..., help="JSONL rows {item, a, b, winner: a|b|tie[, first: a|b]}."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
    bootstrap: int = typer.Option(500, "--bootstrap", min=10, help="Resamples over items for the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    position_term: bool = typer.Option(
        True, "--position-term/--no-position-term",
        help="Fit a first-position advantage when rows say which answer was shown first.",
    ),
) -> None:
    """Rate contestants from pairwise judgments (Elo scale, 95% intervals by bootstrap over items)."""

    try:
        rows = load_judgments(judgments)
        board = rank_comparisons(rows, first_position=None if position_term else False, n_boot=bootstrap, seed=seed)
    except TaskladderError as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(board.to_json())
        return
    _print_table(board)


def _print_table(board) -> None:  # board: taskladder.rank.Leaderboard
    pct = round(board.level * 100)
    table = Table(title=f"Bradley–Terry ratings (Elo scale, mean 1000; {pct}% intervals over {board.n_items} items)")
    table.add_column("rank", justify="right")
    table.add_column("name")
    table.add_column("rating", justify="right")
    table.add_column(f"{pct}% interval", justify="right")
    table.add_column("rank range", justify="right")
    table.add_column("battles", justify="right")
    table.add_column("online Elo", justify="right")
    for r in board.ratings:
        rank_range = str(r.rank_low) if r.rank_low == r.rank_high else f"{r.rank_low}–{r.rank_high}"
        table.add_row(
            str(r.rank), r.name, f"{r.rating:.0f}", f"{r.ci_low:.0f} – {r.ci_high:.0f}", rank_range,
            str(r.battles), f"{r.online_elo:.0f}",
        )
    console = Console()
    console.print(table)
    notes = [f"{board.n_judgments} judgments"]
    if board.first_position_elo is not None:
        notes.append(f"first-position advantage {board.first_position_elo:+.0f} Elo (fitted)")
    pb = board.position_bias
    if pb.first_slot_share is not None:
        notes.append(f"first slot won {pb.first_slot_share:.0%} of {pb.n_decisive_with_order} decisive verdicts")
    if pb.flip_rate is not None:
        notes.append(f"verdict changed on order swap in {pb.flip_rate:.0%} of {pb.n_swapped_pairs} pairs")
    console.print("; ".join(notes))
