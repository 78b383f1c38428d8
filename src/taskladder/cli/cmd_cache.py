"""`taskladder cache stats|clear`: inspect or empty the call cache."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ..money import usd
from .app import app, print_json
from .common import store_of

cache_app = typer.Typer(help="Inspect or clear the call cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def cache_stats(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Cached calls per model, with their tokens and original cost."""

    stats = store_of(ctx).cache_stats()
    if as_json:
        print_json(stats)
        return

    table = Table(title=f"call cache · {stats['path']} · {stats['bytes'] / 1e6:.1f} MB")
    for col in ("model", "calls", "input tokens", "output tokens", "original cost"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for m in stats["models"]:
        unknown = f" (+{m['unknown_cost_calls']} unknown)" if m["unknown_cost_calls"] else ""
        table.add_row(m["model"], str(m["calls"]), f"{m['input_tokens']:,}", f"{m['output_tokens']:,}",
                      f"{usd(m['cost_usd'])}{unknown}")
    Console().print(table)


@cache_app.command("clear")
def cache_clear(
    ctx: typer.Context,
    model: Optional[str] = typer.Option(None, "--model", help="Only this provider model string."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete cached calls (runs and records are kept)."""

    if not yes and not typer.confirm(f"delete cached calls{f' of {model}' if model else ''}?"):
        raise typer.Exit(1)
    removed = store_of(ctx).clear_cache(model)
    typer.echo(f"removed {removed} cached calls")
