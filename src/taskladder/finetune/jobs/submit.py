"""Submit a fine-tuning job, poll it to the end, and add the tuned model to models.yaml.

Every step is stored before the next one starts (uploaded file ids, then the job id), so a
command killed at any point and run again picks up where it was: it neither uploads the file
again nor pays for a second job; it resumes polling the job it created.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel

from ...errors import TaskladderError
from ...store import Store
from .api import TERMINAL, FineTuningAPI
from .endpoint import Endpoint
from .prepare import provider_file
from .register import add_model, default_name, model_entry
from .spec import JobSpec, submission_key

Progress = Callable[[dict[str, Any], list[dict[str, Any]], float], None]
"""Called after every poll with the job, its new events and the seconds since polling began."""


class JobFailedError(TaskladderError):
    """The provider ended the job as failed: no model came out of it (exit code 3)."""

    exit_code = 3


class JobOutcome(BaseModel):
    job_id: str
    status: str
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    resumed: bool = False  # polling picked up a job an earlier (killed) command created
    models_yaml_name: str | None = None  # the name it was added under, when added


def _row(key: str, endpoint: Endpoint, status: str, job: dict[str, Any] | None, info: dict[str, Any]) -> dict[str, Any]:
    return {"submission_key": key, "job_id": (job or {}).get("id"), "provider": endpoint.base_url,
            "base_model": endpoint.base_model, "status": status,
            "fine_tuned_model": (job or {}).get("fine_tuned_model"), "info": info}


def start_job(api: FineTuningAPI, spec: JobSpec, store: Store, workdir: Path) -> tuple[str, dict[str, Any], bool]:
    """(submission key, the job as the provider describes it, resumed?): an unfinished or
    succeeded job of the same submission is picked up; otherwise files are uploaded (once) and
    a job created. ``workdir`` holds DPO files rewritten in the API's preference shape."""
    endpoint = api.endpoint
    key = submission_key(spec, endpoint)
    stored = next(iter(store.finetune_jobs(submission_key=key)), None)
    info: dict[str, Any] = dict(stored["info"]) if stored else {}
    if stored and stored["job_id"] and stored["status"] not in ("failed", "cancelled"):
        return key, api.get_job(stored["job_id"]), True
    if stored and stored["job_id"]:  # a failed or cancelled job: submit afresh, keep its id in the history
        info["previous_jobs"] = [*info.get("previous_jobs", []), stored["job_id"]]
        info["create_sent"] = False
    for role, path in (("training_file_id", spec.training_file), ("validation_file_id", spec.validation_file)):
        if path is not None and not info.get(role):
            info[role] = api.upload(provider_file(Path(path), spec.method, workdir))["id"]
            store.put_finetune_job(_row(key, endpoint, "uploaded", None, info))
    body = spec.job_body(endpoint.base_model, info["training_file_id"], info.get("validation_file_id"))
    info["method"] = spec.method
    if info.get("create_sent"):  # killed after sending the create request, before storing its answer
        created = _created_before(api, body, info)
        if created is not None:
            store.put_finetune_job(_row(key, endpoint, str(created.get("status")), created, info))
            return key, created, True
    info["create_sent"] = True
    store.put_finetune_job(_row(key, endpoint, "creating", None, info))
    job = api.create_job(body)
    store.put_finetune_job(_row(key, endpoint, str(job.get("status") or "created"), job, info))
    return key, job, False


def _created_before(api: FineTuningAPI, body: dict[str, Any], info: dict[str, Any]) -> dict[str, Any] | None:
    """A job the provider already has on this submission's uploaded file (only this submission
    uploaded it), so a rerun adopts it instead of paying for a second one."""
    past = set(info.get("previous_jobs", []))
    for job in api.list_jobs():
        if job.get("training_file") == body["training_file"] and job.get("model") == body["model"] \
                and job.get("id") not in past:
            return job
    return None


def poll(api: FineTuningAPI, job: dict[str, Any], store: Store, key: str | None, *, interval_s: float = 10.0,
         progress: Progress | None = None, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Poll until the job is terminal, storing each new status; returns the final job."""
    start = time.monotonic()
    seen: set[str] = set()
    while True:
        events = [e for e in _events(api, job["id"]) if str(e.get("id")) not in seen]
        seen.update(str(e.get("id")) for e in events)
        if key is not None:
            stored = next(iter(store.finetune_jobs(submission_key=key)), None)
            info = stored["info"] if stored else {}
            store.put_finetune_job(_row(key, api.endpoint, str(job.get("status")), job, info))
        if progress is not None:
            progress(job, events, time.monotonic() - start)
        if job.get("status") in TERMINAL:
            return job
        sleep(interval_s)
        job = api.get_job(job["id"])


def _events(api: FineTuningAPI, job_id: str) -> list[dict[str, Any]]:
    """The job's events for the progress display; a server without the events endpoint shows none."""
    try:
        return api.events(job_id)
    except TaskladderError:
        return []


def failure_message(job: dict[str, Any]) -> str:
    err = job.get("error") or {}
    detail = err.get("message") if isinstance(err, dict) else str(err)
    code = f" ({err.get('code')})" if isinstance(err, dict) and err.get("code") else ""
    return f"fine-tuning job {job.get('id')} failed{code}: {detail or 'the provider gave no reason'}"


def finish(job: dict[str, Any], endpoint: Endpoint, models_path: Path | None, name: str | None,
           resumed: bool) -> JobOutcome:
    """The outcome of a terminal job; a succeeded one is added to models.yaml, a failed one raises."""
    status = str(job.get("status"))
    if status == "failed":
        raise JobFailedError(failure_message(job))
    outcome = JobOutcome(job_id=job["id"], status=status, fine_tuned_model=job.get("fine_tuned_model"),
                         trained_tokens=job.get("trained_tokens"), resumed=resumed)
    if status == "succeeded" and outcome.fine_tuned_model and models_path is not None:
        entry = model_entry(name or default_name(outcome.fine_tuned_model), outcome.fine_tuned_model, endpoint)
        add_model(models_path, entry)
        outcome.models_yaml_name = entry["name"]
    return outcome


def submit(api: FineTuningAPI, spec: JobSpec, store: Store, *, workdir: Path, models_path: Path | None,
           name: str | None, wait: bool = True, interval_s: float = 10.0,
           progress: Progress | None = None) -> JobOutcome:
    """Start (or pick up) the job of ``spec``; with ``wait``, poll it to the end and register the model."""
    key, job, resumed = start_job(api, spec, store, workdir)
    _remember_target(store, key, api.endpoint, models_path, name)
    if not wait:
        return JobOutcome(job_id=job["id"], status=str(job.get("status")), resumed=resumed)
    job = poll(api, job, store, key, interval_s=interval_s, progress=progress)
    return finish(job, api.endpoint, models_path, name, resumed)


def _remember_target(store: Store, key: str, endpoint: Endpoint, models_path: Path | None, name: str | None) -> None:
    """Keep what `finetune status --wait` needs to finish a job another command started
    (the endpoint, with the key's variable name only, and where to register the model)."""
    row = next(iter(store.finetune_jobs(submission_key=key)))
    row["info"].update(endpoint=endpoint.model_dump(), models_path=str(models_path) if models_path else None,
                       name=name)
    store.put_finetune_job(row)


def stored_job(store: Store, job_id: str) -> dict[str, Any] | None:
    """The stored row of a provider job id, or None when this store never saw it."""
    return next(iter(store.finetune_jobs(job_id=job_id)), None)


def stored_endpoint(row: dict[str, Any]) -> Endpoint | None:
    data = row["info"].get("endpoint")
    return Endpoint.model_validate(data) if data else None
