"""The state behind ``FineTuningServer``: uploaded files and jobs that advance one step per poll."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from ._tokens import count_tokens

TERMINAL = ("succeeded", "failed", "cancelled")


def _check_lines(content: bytes, method: str) -> str | None:
    """Why a training file cannot train with ``method``, or None (the check a provider runs first)."""
    needed = ("messages",) if method == "supervised" else ("input", "preferred_output", "non_preferred_output")
    lines = [ln for ln in content.decode("utf-8", "replace").splitlines() if ln.strip()]
    if not lines:
        return "the training file is empty"
    for i, line in enumerate(lines, start=1):
        try:
            obj = json.loads(line)
        except ValueError:
            return f"line {i} is not JSON"
        if not isinstance(obj, dict) or not all(k in obj for k in needed):
            return f"line {i} lacks {', '.join(needed)} for {method} training"
    return None


class JobBook:
    """Files and jobs, thread-safe. Each ``GET`` of a job advances it one step unless ``hold`` is set."""

    def __init__(self, training_steps: int, encoding: str):
        self.lock = threading.Lock()
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self._plans: dict[str, list[str]] = {}
        self.training_steps = training_steps
        self.encoding = encoding

    def add_file(self, filename: str, purpose: str, content: bytes) -> dict[str, Any]:
        file_id = "file-" + uuid.uuid4().hex[:24]
        entry = {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                 "filename": filename, "purpose": purpose, "status": "processed"}
        with self.lock:
            self.files[file_id], self.contents[file_id] = entry, content
        return entry

    def create(self, body: dict[str, Any], fail_with: str | None) -> dict[str, Any]:
        method = (body.get("method") or {}).get("type") or "supervised"
        hyper = ((body.get("method") or {}).get(method) or {}).get("hyperparameters") or body.get("hyperparameters") or {}
        job_id = "ftjob-" + uuid.uuid4().hex[:24]
        job = {"id": job_id, "object": "fine_tuning.job", "model": body["model"], "created_at": int(time.time()),
               "finished_at": None, "fine_tuned_model": None, "organization_id": "org-loopback",
               "status": "validating_files", "training_file": body["training_file"],
               "validation_file": body.get("validation_file"), "hyperparameters": hyper,
               "method": {"type": method, method: {"hyperparameters": hyper}}, "result_files": [],
               "trained_tokens": None, "error": None, "seed": body.get("seed"), "suffix": body.get("suffix"),
               "estimated_finish": None}
        with self.lock:
            problem = fail_with or _check_lines(self.contents[body["training_file"]], method)
            plan = ["queued"] + [f"step {i}" for i in range(1, self.training_steps + 1)] + ["succeeded"]
            self._plans[job_id] = ["failed:" + problem] if problem else plan
            self.jobs[job_id] = job
            self.events[job_id] = []
            self._event_locked(job_id, "info", f"Validating training file: {body['training_file']}")
        return dict(job)

    def _event_locked(self, job_id: str, level: str, message: str, data: dict[str, Any] | None = None) -> None:
        n = len(self.events[job_id])
        self.events[job_id].append({"object": "fine_tuning.job.event", "id": f"ftevent-{job_id[-8:]}-{n}",
                                    "created_at": int(time.time()), "level": level, "message": message,
                                    "data": data or {}, "type": "metrics" if data else "message"})

    def advance(self, job_id: str, hold: bool) -> dict[str, Any]:
        """The job after one more poll: the next step of its plan, unless held or finished."""
        with self.lock:
            job = self.jobs[job_id]
            plan = self._plans[job_id]
            if job["status"] in TERMINAL or not plan or (hold and job["status"] == "running"):
                return dict(job)
            step = plan.pop(0)
            if step.startswith("failed:"):
                job.update(status="failed", finished_at=int(time.time()),
                           error={"code": "invalid_training_file", "message": step[len("failed:"):], "param": "training_file"})
                self._event_locked(job_id, "error", f"Job failed: {step[len('failed:'):]}")
            elif step == "queued":
                job["status"] = "queued"
                self._event_locked(job_id, "info", "Files validated, moving job to queued state")
            elif step.startswith("step "):
                i = int(step.split()[1])
                job["status"] = "running"
                loss = round(2.0 / (1 + i), 4)
                self._event_locked(job_id, "info", f"Step {i}/{self.training_steps}: training loss={loss}",
                                   {"step": i, "total_steps": self.training_steps, "train_loss": loss})
            else:
                epochs = int((job["hyperparameters"] or {}).get("n_epochs") or 3)
                text = self.contents[job["training_file"]].decode("utf-8", "replace")
                suffix = job.get("suffix") or ""
                job.update(status="succeeded", finished_at=int(time.time()),
                           trained_tokens=count_tokens(text, self.encoding) * epochs,
                           fine_tuned_model=f"ft:{job['model']}:loopback:{suffix}:{job_id[-8:]}")
                self._event_locked(job_id, "info", "The job has successfully completed")
            return dict(job)

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        """The cancelled job, or None when it had already finished."""
        with self.lock:
            job = self.jobs[job_id]
            if job["status"] in TERMINAL:
                return None
            job.update(status="cancelled", finished_at=int(time.time()))
            self._event_locked(job_id, "info", "Fine-tuning job cancelled")
            return dict(job)

    def event_page(self, job_id: str, limit: int) -> dict[str, Any]:
        with self.lock:
            newest_first = list(reversed(self.events[job_id]))
        return {"object": "list", "data": newest_first[:limit], "has_more": len(newest_first) > limit}
