"""The OpenAI-compatible files + fine-tuning jobs API over real HTTP, with retries.

Endpoints (shared by OpenAI, Together, Fireworks and other compatible servers):
``POST /files`` (multipart, ``purpose=fine-tune``), ``POST /fine_tuning/jobs``,
``GET /fine_tuning/jobs/{id}``, ``GET /fine_tuning/jobs/{id}/events``,
``POST /fine_tuning/jobs/{id}/cancel``.

Retries: 429 and 5xx answers (after ``Retry-After`` when given) and connection failures are
retried with exponential backoff. Creating a job is retried only where the server cannot have
created it (an error answer, or a connection that was never made): a timeout after sending
could have started a paid job, so it is reported instead of sent twice.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import httpx

from ...errors import ConfigError, ModelAccessError, TaskladderError
from ...redaction import redact_text
from .endpoint import Endpoint

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
_RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class FineTuningAPIError(TaskladderError):
    """The provider refused or could not answer a fine-tuning request."""


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200].strip() or resp.reason_phrase
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict) and err.get("message"):
        return str(err["message"])
    if isinstance(err, str):
        return err
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(body)[:200]


class FineTuningAPI:
    """A synchronous client of one provider's fine-tuning API (``httpx``; the key in a header only)."""

    def __init__(self, endpoint: Endpoint, *, timeout_s: float = 60.0, max_retries: int = 6,
                 backoff_s: float = 1.0, sleep: Callable[[float], None] = time.sleep):
        self.endpoint = endpoint
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._client = httpx.Client(base_url=endpoint.base_url, timeout=timeout_s,
                                    headers={"Authorization": f"Bearer {endpoint.api_key()}"})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "FineTuningAPI":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- endpoints ------------------------------------------------------------------------------
    def upload(self, path: Path) -> dict[str, Any]:
        data = path.read_bytes()
        return self._request("POST", "/files", files={"file": (path.name, data, "application/jsonl")},
                             data={"purpose": "fine-tune"})

    def create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "/fine_tuning/jobs", json=body, idempotent=False)

    def list_jobs(self, limit: int = 100) -> list[dict[str, Any]]:
        """The account's recent jobs, newest first."""
        return list(self._request("GET", "/fine_tuning/jobs", params={"limit": limit}).get("data") or [])

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._request("GET", f"/fine_tuning/jobs/{job_id}")

    def events(self, job_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The job's events, oldest first (the API lists newest first)."""
        body = self._request("GET", f"/fine_tuning/jobs/{job_id}/events", params={"limit": limit})
        return list(reversed(body.get("data") or []))

    def cancel(self, job_id: str) -> dict[str, Any]:
        return self._request("POST", f"/fine_tuning/jobs/{job_id}/cancel")

    # --- transport ------------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, idempotent: bool = True, **kwargs: Any) -> dict[str, Any]:
        where = f"{method} {self.endpoint.base_url}{path}"
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                resp = self._client.request(method, path, **kwargs)
            except httpx.ConnectError as exc:  # never reached the server: safe to send again
                if last:
                    raise ModelAccessError(f"{where}: cannot connect ({exc}); check the base URL "
                                           "(api_base in models.yaml or --base-url)") from None
                self._sleep(self._delay(attempt, None))
                continue
            except httpx.TransportError as exc:
                if last or not idempotent:
                    hint = ("the job may have been created: check `taskladder finetune list` and the provider "
                            "before submitting again" if not idempotent else "retry later")
                    raise FineTuningAPIError(redact_text(f"{where}: {type(exc).__name__}: {exc}; {hint}")) from None
                self._sleep(self._delay(attempt, None))
                continue
            if resp.status_code < 400:
                try:
                    body = resp.json()
                except ValueError:
                    if last:
                        raise FineTuningAPIError(f"{where}: answered {resp.status_code} with a body that is "
                                                 "not JSON") from None
                    self._sleep(self._delay(attempt, None))
                    continue
                if not isinstance(body, dict):
                    raise FineTuningAPIError(f"{where}: expected a JSON object, got {type(body).__name__}")
                return body
            if resp.status_code in _RETRYABLE_STATUS and not last:
                self._sleep(self._delay(attempt, resp.headers.get("retry-after")))
                continue
            raise self._error(where, resp)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), 60.0)
            except ValueError:
                pass
        return min(self.backoff_s * 2 ** attempt, 30.0)

    def _error(self, where: str, resp: httpx.Response) -> TaskladderError:
        msg = redact_text(" ".join(_message(resp).split()))
        status = resp.status_code
        if status in (401, 403):
            key = self.endpoint.api_key_env or "OPENAI_API_KEY"
            return ModelAccessError(f"{where}: HTTP {status} (authentication): {msg}; check {key} for this provider")
        if status == 404:
            return ModelAccessError(f"{where}: HTTP 404: {msg}; check the job id, the base model and the base URL")
        if status in (400, 422):
            return ConfigError(f"{where}: HTTP {status}: {msg}")
        return FineTuningAPIError(f"{where}: HTTP {status}: {msg}")
