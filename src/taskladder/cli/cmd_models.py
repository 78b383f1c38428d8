"""`taskladder models`: what each configured model costs, how much it reads, and whether it can be called."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer

from .app import app, print_json


@app.command("models")
def models_command(
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml to check."),
    model: List[str] = typer.Option([], "--model", "-m", help="Also check these LiteLLM strings."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List models with their price per million tokens, context window and access (key, server)."""
    from ..errors import TaskladderError
    from ..models.config import load_models, resolve_model
    from ..models.pricing import lookup_price
    from ..prompt import context_window
    from ..runner.preflight import check_access

    configs = load_models(models_file)
    names = list(configs) + [m for m in model if m not in configs]
    if not names:
        raise TaskladderError("name models with --models models.yaml or --model PROVIDER/MODEL")
    rows: list[dict[str, Any]] = []
    for name in names:
        cfg = resolve_model(name, configs)
        price = lookup_price(cfg)
        try:
            check_access(cfg)
            access = "ok"
        except TaskladderError as exc:
            access = str(exc)
        rows.append({
            "name": cfg.name, "model": cfg.model, "api_base": cfg.api_base,
            "input_per_mtok": price.input_per_mtok if price else None,
            "output_per_mtok": price.output_per_mtok if price else None,
            "context_window": cfg.context_window or (None if cfg.is_scripted else context_window(cfg.model)),
            "access": access,
        })
    if as_json:
        print_json({"models": rows})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(pad_edge=False)
    for col in ("name", "model", "$ in / 1M tok", "$ out / 1M tok", "context", "access"):
        table.add_column(col, justify="right" if col.startswith("$") or col == "context" else "left")
    for r in rows:
        money = lambda v: "unknown" if v is None else f"{v:,.3f}"  # noqa: E731
        table.add_row(r["name"], r["model"], money(r["input_per_mtok"]), money(r["output_per_mtok"]),
                      "unknown" if r["context_window"] is None else f"{r['context_window']:,}",
                      "[green]ok[/]" if r["access"] == "ok" else f"[red]{r['access']}[/]")
    Console(width=max(Console().width, 140)).print(table)
