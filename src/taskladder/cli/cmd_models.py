"""`taskladder models`: what each configured model costs, how much it reads, and whether it can be called."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import TaskladderError
from ..models.config import load_models, resolve_model
from ..models.pricing import lookup_price
from ..models.providers import served_by_plugin
from ..prompt import context_window
from ..runner.preflight import check_access
from ..runner.probe import probe_all
from .app import app, print_json


@app.command("models")
def models_command(
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml to check."),
    model: List[str] = typer.Option([], "--model", "-m", help="Also check these LiteLLM strings."),
    as_json: bool = typer.Option(False, "--json"),
    check: bool = typer.Option(False, "--check", help="Make one minimal real call per model (1 token): ok, auth error, not found or unreachable, with the round-trip time."),
) -> None:
    """List models with their price per million tokens, context window and access (key set, server reachable).

    Without --check nothing is sent: "key set" means only that the key's variable is set."""

    configs = load_models(models_file)
    names = list(configs) + [m for m in model if m not in configs]
    if not names:
        raise TaskladderError("name models with --models models.yaml or --model PROVIDER/MODEL")
    rows: list[dict[str, Any]] = []
    cfgs = [resolve_model(name, configs) for name in names]
    for cfg in cfgs:
        price = lookup_price(cfg)
        try:
            check_access(cfg)
            access = _access_note(cfg)
        except TaskladderError as exc:
            access = str(exc)
        rows.append({
            "name": cfg.name, "model": cfg.model, "api_base": cfg.api_base,
            "input_per_mtok": price.input_per_mtok if price else None,
            "output_per_mtok": price.output_per_mtok if price else None,
            "context_window": cfg.context_window or (None if cfg.is_scripted else context_window(cfg.model)),
            "access": access,
        })
    if check:
        for row, result in zip(rows, probe_all(cfgs)):
            row["check"] = result.model_dump()
    if as_json:
        print_json({"models": rows})
        _exit_if_check_failed(rows, check)
        return

    table = Table(pad_edge=False)
    columns = ["name", "model", "$ in / 1M tok", "$ out / 1M tok", "context", "access"]
    if check:
        columns += ["check", "round trip ms"]
    for col in columns:
        table.add_column(col, justify="right" if col.startswith("$") or col in ("context", "round trip ms") else "left")
    for r in rows:
        money = lambda v: "unknown" if v is None else f"{v:,.3f}"  # noqa: E731
        cells = [r["name"], r["model"], money(r["input_per_mtok"]), money(r["output_per_mtok"]),
                 "unknown" if r["context_window"] is None else f"{r['context_window']:,}",
                 f"[green]{r['access']}[/]" if r["access"] in ACCESS_NOTES else f"[red]{r['access']}[/]"]
        if check:
            c = r["check"]
            cells += ["[green]ok[/]" if c["status"] == "ok" else f"[red]{c['status']}[/]: {escape(c['detail'])}",
                      "–" if c["rtt_ms"] is None else f"{c['rtt_ms']:,.0f}"]
        table.add_row(*cells)
    Console(width=max(Console().width, 140)).print(table)
    _exit_if_check_failed(rows, check)


def _exit_if_check_failed(rows: list[dict[str, Any]], check: bool) -> None:
    """--check exits 1 when any model could not be called, so a script can gate on it."""
    if check and any(r["check"]["status"] != "ok" for r in rows):
        raise typer.Exit(1)


ACCESS_NOTES = ("ok", "key set", "server reachable", "plugin provider: not checked")


def _access_note(cfg) -> str:
    """What the check without a call established (never "ok": only --check makes a call)."""

    if cfg.is_scripted:
        return "ok"  # answered in-process: nothing that could fail is left unchecked
    if served_by_plugin(cfg):
        return "plugin provider: not checked"
    if cfg.api_base:
        return "server reachable"
    return "key set"
