"""`taskladder finetune submit|status|cancel|list`: provider fine-tuning jobs through the
OpenAI-compatible files + fine-tuning jobs API (OpenAI, Together, Fireworks, ...).

`submit` uploads a chat (or DPO) JSONL, creates the job, polls it with progress and adds the
tuned model to models.yaml; killed and rerun, it resumes polling the same job. `--dry-run`
prints the training tokens and cost and sends nothing.
Exit codes: 0 done, 2 something to fix (bad file, key, URL), 3 the provider failed the job.
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import ConfigError
from ..finetune.jobs import (
    Endpoint,
    FineTuningAPI,
    JobFailedError,
    JobOutcome,
    JobSpec,
    endpoint_for,
    estimate,
    failure_message,
    finish,
    poll,
    training_prices,
)
from ..finetune.jobs.submit import stored_endpoint, stored_job
from ..finetune.jobs.submit import submit as run_submit
from ..finetune.validate import DEFAULT_EPOCHS
from ..models.config import ModelConfig, load_models, resolve_model
from .app import app, print_json
from .common import settings_of, store_of

finetune_app = typer.Typer(help="Provider fine-tuning jobs (OpenAI-compatible API): submit, status, cancel, list.",
                           no_args_is_help=True)
app.add_typer(finetune_app, name="finetune")

ModelsOpt = Annotated[Optional[Path], typer.Option("--models", help="models.yaml: the provider entry, "
                                                   "training_prices, and where the tuned model is added")]
BaseUrlOpt = Annotated[Optional[str], typer.Option("--base-url", help="the provider's API base URL "
                                                   "(default: the model's api_base, OPENAI_BASE_URL, OpenAI)")]


class _Method(str, Enum):
    supervised = "supervised"
    dpo = "dpo"


def _progress(job: dict[str, Any], events: list[dict[str, Any]], elapsed: float) -> None:
    for event in events:
        typer.echo(f"  {event.get('message', '')}", err=True)
    mins, secs = divmod(int(elapsed), 60)
    typer.echo(f"[{job.get('status')}] {job.get('id')} · {mins}m{secs:02d}s", err=True)


def _api(endpoint: Endpoint, cfg: ModelConfig | None = None) -> FineTuningAPI:
    """The provider's client; a models.yaml entry's timeout and retries apply to it too."""
    if cfg is None:
        return FineTuningAPI(endpoint)
    return FineTuningAPI(endpoint, timeout_s=cfg.timeout_s, max_retries=cfg.max_retries)


def _outcome_line(outcome: JobOutcome) -> str:
    if outcome.status == "succeeded":
        added = (f"; added to models.yaml as '{outcome.models_yaml_name}'" if outcome.models_yaml_name
                 else "; pass --models to add it to models.yaml")
        return f"job {outcome.job_id} succeeded: {outcome.fine_tuned_model} ({outcome.trained_tokens} trained tokens){added}"
    return f"job {outcome.job_id}: {outcome.status}"


@finetune_app.command("submit")
def submit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="training JSONL: `export` chat format, or its DPO export with --method dpo")],
    model: Annotated[str, typer.Option("--model", "-m", help="the base model: a models.yaml name (its api_base "
                                       "and api_key_env name the provider) or a string like openai/gpt-4o-mini-2024-07-18")],
    models: ModelsOpt = None,
    method: Annotated[_Method, typer.Option("--method", help="supervised or dpo")] = _Method.supervised,
    validation_file: Annotated[Optional[Path], typer.Option("--validation-file")] = None,
    epochs: Annotated[Optional[int], typer.Option("--epochs", min=1, help="n_epochs (default: the provider's auto)")] = None,
    batch_size: Annotated[Optional[int], typer.Option("--batch-size", min=1)] = None,
    lr_multiplier: Annotated[Optional[float], typer.Option("--lr-multiplier", min=0.0)] = None,
    beta: Annotated[Optional[float], typer.Option("--beta", min=0.0, help="DPO beta")] = None,
    suffix: Annotated[Optional[str], typer.Option("--suffix", help="added to the tuned model's name")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="its models.yaml name (default: from the provider's id)")] = None,
    base_url: BaseUrlOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print training tokens and cost; send nothing")] = False,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="poll until the job ends")] = True,
    poll_interval: Annotated[float, typer.Option("--poll-interval", min=0.0, help="seconds between polls")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Upload, create and poll a fine-tuning job; on success add the model to models.yaml."""

    if not file.is_file():
        raise ConfigError(f"{file}: file not found; give the training JSONL that `taskladder export` wrote")
    cfg = resolve_model(model, load_models(models))
    endpoint = endpoint_for(cfg, base_url)
    spec = JobSpec(training_file=file, method=method.value, validation_file=validation_file, n_epochs=epochs,
                   batch_size=batch_size, learning_rate_multiplier=lr_multiplier, beta=beta, suffix=suffix, seed=seed)
    spec.hyperparameters()  # a flag that does not fit the method fails here, before anything is sent
    est = estimate(file, spec.method, endpoint.base_model, epochs or DEFAULT_EPOCHS, training_prices(models))
    if dry_run:
        if as_json:
            print_json({"dry_run": True, "base_url": endpoint.base_url, **est.model_dump()})
        else:
            typer.echo(est.describe() + ("" if epochs else f" (epochs: the provider's auto; {DEFAULT_EPOCHS} assumed)"))
        return
    if not as_json:
        typer.echo(est.describe())
    settings = settings_of(ctx)
    with _api(endpoint, cfg) as api:
        outcome = run_submit(api, spec, store_of(ctx), workdir=settings.home_dir() / "finetune", models_path=models,
                             name=name, wait=wait, interval_s=poll_interval, progress=None if as_json else _progress)
    if as_json:
        print_json({**outcome.model_dump(), "estimate": est.model_dump()})
    elif outcome.resumed:
        typer.echo(f"(resumed job {outcome.job_id}, created by an earlier run of this command)", err=True)
    if not as_json:
        typer.echo(_outcome_line(outcome) if wait else
                   f"job {outcome.job_id} created ({outcome.status}); follow it: taskladder finetune status {outcome.job_id} --wait")


def _endpoint_of(ctx: typer.Context, job_id: str, model: str | None, models: Path | None,
                 base_url: str | None) -> tuple[Endpoint, dict[str, Any] | None]:
    """(endpoint, stored row): the stored job's endpoint, else the one -m/--base-url name."""

    row = stored_job(store_of(ctx), job_id)
    if model is not None or base_url is not None:
        cfg = resolve_model(model or "openai/unknown", load_models(models))
        return endpoint_for(cfg, base_url), row
    endpoint = stored_endpoint(row) if row else None
    if endpoint is None:
        raise ConfigError(f"job {job_id} was not submitted from this store; name its provider with -m MODEL "
                          "(and --models) or --base-url")
    return endpoint, row


@finetune_app.command("status")
def status(
    ctx: typer.Context,
    job_id: Annotated[str, typer.Argument(help="the provider's job id (ftjob-...)")],
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="its provider's models.yaml entry, "
                                                 "for a job this store did not submit")] = None,
    models: ModelsOpt = None,
    base_url: BaseUrlOpt = None,
    wait: Annotated[bool, typer.Option("--wait", help="poll until it ends, then add the model to models.yaml")] = False,
    poll_interval: Annotated[float, typer.Option("--poll-interval", min=0.0)] = 10.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The job's status and latest events; --wait resumes polling it to the end."""

    endpoint, row = _endpoint_of(ctx, job_id, model, models, base_url)
    store = store_of(ctx)
    with _api(endpoint) as api:
        job = api.get_job(job_id)
        if wait:
            key = row["submission_key"] if row else None
            job = poll(api, job, store, key, interval_s=poll_interval, progress=None if as_json else _progress)
            info = row["info"] if row else {}
            target = models or (Path(info["models_path"]) if info.get("models_path") else None)
            outcome = finish(job, endpoint, target, info.get("name"), resumed=True)
            if as_json:
                print_json(outcome.model_dump())
            else:
                typer.echo(_outcome_line(outcome))
            return
        events = api.events(job_id, limit=10)
    if row:
        store.put_finetune_job({**row, "status": job.get("status"), "fine_tuned_model": job.get("fine_tuned_model")})
    if as_json:
        print_json({"job": job, "events": events})
        return
    for event in events:
        typer.echo(f"  {event.get('message', '')}")
    typer.echo(f"job {job_id}: {job.get('status')}" + (f" -> {job['fine_tuned_model']}" if job.get("fine_tuned_model") else ""))
    if job.get("status") == "failed":
        raise JobFailedError(failure_message(job))


@finetune_app.command("cancel")
def cancel(
    ctx: typer.Context,
    job_id: Annotated[str, typer.Argument(help="the provider's job id (ftjob-...)")],
    model: Annotated[Optional[str], typer.Option("--model", "-m")] = None,
    models: ModelsOpt = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """Cancel a queued or running job (the provider bills what it already trained)."""
    endpoint, row = _endpoint_of(ctx, job_id, model, models, base_url)
    with _api(endpoint) as api:
        job = api.cancel(job_id)
    if row:
        store_of(ctx).put_finetune_job({**row, "status": job.get("status")})
    typer.echo(f"job {job_id}: {job.get('status')}")


@finetune_app.command("list")
def list_jobs(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Fine-tuning jobs submitted from this store, newest first (as last polled)."""
    rows = store_of(ctx).finetune_jobs()
    if as_json:
        print_json([{k: v for k, v in r.items() if k != "info"} for r in rows])
        return
    if not rows:
        typer.echo("no fine-tuning jobs in this store (taskladder finetune submit FILE -m MODEL)")
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["created_at"]))
        typer.echo(f"{r['job_id'] or '(not created)'}  {r['status']:<16} {r['base_model']}  {when}  "
                   f"{r['fine_tuned_model'] or ''}  {r['provider']}")
