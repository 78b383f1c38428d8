"""``FineTuningServer``: the loopback server plus the OpenAI-compatible files and fine-tuning jobs API.

Endpoints (``/v1`` optional): ``POST /files`` (multipart, ``purpose=fine-tune``),
``POST /fine_tuning/jobs`` (``method`` supervised or dpo), ``GET /fine_tuning/jobs``,
``GET /fine_tuning/jobs/{id}``, ``GET /fine_tuning/jobs/{id}/events``,
``POST /fine_tuning/jobs/{id}/cancel``; chat completions and the rest as ``LoopbackServer``.

A job validates its training file (a file that cannot train with its method fails the job, as a
provider's would), is queued, runs ``training_steps`` steps (one event each, with a loss) and
succeeds with a ``fine_tuned_model``; each ``GET`` of the job advances it one step. Set ``hold``
to keep running jobs running (a test kills the poller meanwhile), ``fail_with`` to fail new jobs
with that message, and ``api_key`` to answer 401 to any other key. Faults (``FaultPlan``) apply
to these endpoints as to the others.
"""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any, Iterable

from ._finetune_jobs import JobBook
from ._http import HttpRequest
from ._routes import Reply, error_reply
from ._server import LoopbackServer


def _multipart(request: HttpRequest) -> dict[str, tuple[str | None, bytes]]:
    """Form fields of a multipart body: name -> (filename, bytes)."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields


class FineTuningServer(LoopbackServer):
    """A ``LoopbackServer`` that also runs (simulated) fine-tuning jobs; see the module doc."""

    def __init__(self, *args: Any, training_steps: int = 3, api_key: str | None = None,
                 tunable_models: Iterable[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.api_key = api_key
        self.tunable_models = set(tunable_models) if tunable_models is not None else None
        self.hold = False
        self.fail_with: str | None = None
        self.book = JobBook(training_steps, self.encoding)

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        with self.book.lock:
            return {k: dict(v) for k, v in self.book.jobs.items()}

    def route(self, request: HttpRequest, path: str, body: Any) -> Reply:
        if not (path == "/files" or path.startswith("/files/") or path.startswith("/fine_tuning/")):
            return super().route(request, path, body)
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return error_reply(401, "Incorrect API key provided: sk-wro...ng. You can find your API key at "
                                    "https://platform.openai.com/account/api-keys.")
        method = request.method
        if path == "/files" and method == "POST":
            return self._upload(request)
        if path == "/fine_tuning/jobs" and method == "POST":
            return self._create(body)
        if path == "/fine_tuning/jobs" and method == "GET":
            with self.book.lock:
                data = [dict(j) for j in reversed(list(self.book.jobs.values()))]
            return Reply(200, {"object": "list", "data": data, "has_more": False})
        parts = path.split("/")  # ["", "fine_tuning", "jobs", ID, (events|cancel)?]
        if len(parts) >= 4 and parts[1:3] == ["fine_tuning", "jobs"]:
            job_id = parts[3]
            if job_id not in self.book.jobs:
                return error_reply(404, f"Fine-tuning job {job_id} not found")
            tail = parts[4] if len(parts) > 4 else ""
            if tail == "" and method == "GET":
                return Reply(200, self.book.advance(job_id, self.hold))
            if tail == "events" and method == "GET":
                limit = 20
                query = request.target.split("?", 1)[1] if "?" in request.target else ""
                for pair in query.split("&"):
                    if pair.startswith("limit="):
                        limit = int(pair[6:] or 20)
                return Reply(200, self.book.event_page(job_id, limit))
            if tail == "cancel" and method == "POST":
                job = self.book.cancel(job_id)
                if job is None:
                    return error_reply(400, f"Job {job_id} has already completed and cannot be cancelled")
                return Reply(200, job)
        return error_reply(404, f"Unknown endpoint {method} {path}")

    def _upload(self, request: HttpRequest) -> Reply:
        fields = _multipart(request)
        if "file" not in fields:
            return error_reply(400, "a multipart form with a 'file' field is required")
        purpose = fields.get("purpose", (None, b""))[1].decode()
        if purpose != "fine-tune":
            return error_reply(400, f"'{purpose}' is not a valid purpose for fine-tuning files; use 'fine-tune'")
        filename, content = fields["file"]
        return Reply(200, self.book.add_file(filename or "upload.jsonl", purpose, content))

    def _create(self, body: Any) -> Reply:
        if not isinstance(body, dict) or not body.get("model") or not body.get("training_file"):
            return error_reply(400, "'model' and 'training_file' are required")
        method = (body.get("method") or {}).get("type", "supervised")
        if method not in ("supervised", "dpo"):
            return error_reply(400, f"method type '{method}' is not supported")
        if self.tunable_models is not None and body["model"] not in self.tunable_models:
            return error_reply(400, f"Model {body['model']} is not available for fine-tuning or does not exist.")
        for field in ("training_file", "validation_file"):
            if body.get(field) and body[field] not in self.book.files:
                return error_reply(400, f"invalid {field}: {body[field]} does not exist")
        return Reply(200, self.book.create(body, self.fail_with))
