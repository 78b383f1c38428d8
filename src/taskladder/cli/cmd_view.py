"""`taskladder view`: a local web viewer over the store (runs, examples side by side, votes, repairs)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Optional

import typer

from ..errors import ConfigError
from ..models.config import load_models
from .app import app
from .common import load_task_arg, require_extra, store_of

VIEW_EXTRA_MODULES = ("fastapi", "uvicorn", "jinja2")


def _check_port_free(host: str, port: int) -> None:
    """A one-line error for a port in use, instead of uvicorn's log line and exit 1."""

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror}); pick another with --port") from None


@app.command("view")
def view_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on; any but loopback needs a token."),
    port: int = typer.Option(8765, "--port"),
    token_env: str = typer.Option("TASKLADDER_VIEW_TOKEN", "--token-env",
                                  help="Variable holding the access token (required off loopback)."),
    task_file: Optional[Path] = typer.Option(None, "--task", help="The task YAML, to show the exact messages runs sent."),
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml naming the runs' models."),
    user: Optional[str] = typer.Option(None, "--user", help="Name votes and repairs are stored under (default: login)."),
    climbs: Path = typer.Option(Path("taskladder-out"), "--climbs", help="Folder of TASK/climb.json (each task's climb decision)."),
) -> None:
    """Browse runs, compare outputs side by side, vote blind A/B, repair expected outputs."""
    require_extra("view", VIEW_EXTRA_MODULES)
    from ..view import create_app, is_loopback
    from ..view.app import run_viewer

    token = os.environ.get(token_env) or None
    if not is_loopback(host) and not token:
        raise ConfigError(f"--host {host} is reachable by others: set {token_env} to a long random token "
                          "(e.g. `export TASKLADDER_VIEW_TOKEN=$(openssl rand -hex 24)`), or use --host 127.0.0.1")
    _check_port_free(host, port)
    task = load_task_arg(task_file) if task_file else None
    viewer = create_app(store_of(ctx), token=token, user=user, task=task, models=load_models(models_file),
                        climbs=climbs)
    url = f"http://{host}:{port}/" + ("?token=<the token>" if token else "")
    typer.echo(f"taskladder view on {url} (Ctrl-C to stop)", err=True)
    run_viewer(viewer, host, port)
