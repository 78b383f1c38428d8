"""`taskladder serve`: the winning pipeline as an OpenAI-compatible endpoint, with guards."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from ..errors import ConfigError
from ..guard import Guard, GuardConfig, load_guard_config
from ..models.config import load_models, resolve_model
from ..pipeline import load_pipeline
from .app import app
from .common import load_task_arg, require_extra, store_of

SERVE_EXTRA_MODULES = ("fastapi", "uvicorn", "prometheus_client")


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    pipeline_file: Optional[Path] = typer.Argument(None, help="Pipeline spec (e.g. taskladder-out/TASK/pipeline.yaml)."),
    task_file: Optional[Path] = typer.Option(None, "--task", help="The task the pipeline answers (its fields, labels and demos)."),
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml naming the pipeline's model."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    token_env: str = typer.Option("TASKLADDER_SERVE_TOKEN", "--token-env", help="Variable holding the bearer token (required off loopback)."),
    guard_file: Optional[Path] = typer.Option(None, "--guard", help="guard.yaml; default: the pipeline's `guard:` settings, else every rule check with its default threshold."),
    no_guard: bool = typer.Option(False, "--no-guard", help="Serve without input/output checks."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="Requests in flight before 429 + Retry-After."),
    data_dir: Optional[Path] = typer.Option(None, "--data", help="Folder the task's data paths resolve from."),
    model: Optional[str] = typer.Option(None, "--model", help="Serve a model itself (e.g. local/NAME), no pipeline."),
) -> None:
    """Serve a pipeline at /v1/chat/completions (plus /v1/models, /healthz, /metrics)."""
    require_extra("serve", SERVE_EXTRA_MODULES)
    # The serve package imports fastapi, an optional extra: only after the check above.
    from ..serve import run_server
    from ..serve.model import ModelResponder
    from ..serve.pipeline import PipelineResponder

    if model is not None:  # a plain chat endpoint for the model itself
        responder_m = ModelResponder(resolve_model(model, load_models(models_file)))
        guard_m = Guard(load_guard_config(guard_file)) if guard_file else None
        typer.echo(f"serving model '{model}' on http://{host}:{port}/v1 (Ctrl-C to stop)", err=True)
        run_server(responder_m, host, port, guard=guard_m, token=os.environ.get(token_env) or None, model_name=model,
                   max_concurrency=concurrency, on_served=lambda entry: store_of(ctx).log_served(model, entry))
        return
    if pipeline_file is None or task_file is None:
        raise ConfigError("serve needs a pipeline spec and --task TASK.yaml, or --model MODEL")
    task = load_task_arg(task_file, data_dir)
    spec = load_pipeline(pipeline_file)
    store = store_of(ctx)
    responder = PipelineResponder(task, spec, load_models(models_file), store)
    if no_guard:
        guard = None
    elif guard_file is None and spec.guard is not None:  # the pipeline's own guard settings
        guard = Guard(GuardConfig.model_validate(spec.guard))
    else:
        guard = Guard(load_guard_config(guard_file))
    token = os.environ.get(token_env) or None
    name = f"taskladder/{task.name}"
    typer.echo(f"serving {spec.label()} as '{name}' on http://{host}:{port}/v1 (Ctrl-C to stop)", err=True)
    run_server(responder, host, port, guard=guard, token=token, model_name=name, max_concurrency=concurrency,
               on_served=lambda entry: store.log_served(name, entry))
