"""`taskladder plugins`: every provider, baseline, metric and rung, and the package it comes from."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ..baselines.registry import baseline_plugins
from ..metrics._registry import metric_plugins
from ..models.providers import provider_plugins
from ..plugins import registry
from .app import app, print_json


@app.command("plugins")
def plugins_command(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """List registered providers, baselines, metrics and rungs with their source distribution.

    Plugins that fail to load or clash with a registered name are left out, each with a warning line.
    """

    groups = {
        "providers": provider_plugins(), "baselines": baseline_plugins(),
        "metrics": metric_plugins(), "rungs": registry("rungs"),
    }
    rows = [{"group": group, "name": name, "distribution": p.distribution, "target": p.target}
            for group, plugins in groups.items() for name, p in plugins.items()]
    if as_json:
        print_json({"plugins": rows})
        return

    table = Table(pad_edge=False)
    for col in ("group", "name", "distribution", "target"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["group"], r["name"], r["distribution"], r["target"])
    Console(width=max(Console().width, 120)).print(table)
