"""``openai/...`` models and any OpenAI-compatible server, straight over aiohttp.

OpenAI, vLLM, Ollama, llama.cpp, Together, Fireworks... all speak the same chat-completions
JSON, so this client posts it with one pooled aiohttp session per model and reads the answer
with ``json.loads``: no SDK request transformation, no pydantic response objects, no httpx
pool bookkeeping. That is ~0.3 ms of client CPU per call where the openai SDK took ~3 ms and
LiteLLM on top of it more (benchmarks/bench_throughput.py), which on two cores decides how many
calls per second a run can make at all.

Failures are raised as exceptions named and worded like the openai SDK's
(``AuthenticationError``: "Error code: 401 - ...", ``APIConnectionError``: "Connection error.",
``APITimeoutError``: "Request timed out.") carrying ``status_code`` and ``headers``, so
``errors.classify`` treats them exactly as it treated the SDK's: the same retryable set, the
same ``Retry-After``, the same redacted one-line messages in records.

aiohttp (~0.3 s to import) is imported when the first such client is built.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

from ..errors import ModelAccessError
from ..redaction import remember_credential
from ..store.keys import json_encoder
from .client import CallResult
from .config import ModelConfig
from .errors import ProviderError, classify

OPENAI_BASE = "https://api.openai.com/v1"
_body = json_encoder(ensure_ascii=False)  # a request body: json.dumps(body, ensure_ascii=False), made once


def api_base(cfg: ModelConfig) -> str | None:
    """The server to call: models.yaml's ``api_base``, else the environment as LiteLLM reads it
    (``OPENAI_BASE_URL``, then LiteLLM's own ``OPENAI_API_BASE``), else OpenAI's."""
    return cfg.api_base or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE") or None


# --- failures, named as the openai SDK names them (classify reads the name and status) -----------


class APIConnectionError(Exception):
    def __init__(self, message: str = "Connection error."):
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    def __init__(self) -> None:
        super().__init__("Request timed out.")


class APIStatusError(Exception):
    def __init__(self, message: str, status_code: int, headers: dict[str, str]):
        super().__init__(message)
        self.status_code = status_code
        self.headers = headers


class BadRequestError(APIStatusError): ...


class AuthenticationError(APIStatusError): ...


class PermissionDeniedError(APIStatusError): ...


class NotFoundError(APIStatusError): ...


class ConflictError(APIStatusError): ...


class UnprocessableEntityError(APIStatusError): ...


class RateLimitError(APIStatusError): ...


class InternalServerError(APIStatusError): ...


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(status: int, body: bytes, headers: dict[str, str]) -> APIStatusError:
    """The error for a non-2xx answer, worded as the SDK words it: "Error code: N - message"."""
    message = f"Error code: {status}"
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    error = data.get("error", data) if isinstance(data, dict) else None
    text = error.get("message") if isinstance(error, dict) else None
    if isinstance(text, str) and text:
        message += f" - {text}"
    kind = _STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return kind(message, status, headers)


# --- the answer -------------------------------------------------------------------------------


def result_from_json(data: Any, latency_ms: float) -> CallResult:
    """A chat-completions JSON answer as a ``CallResult`` (what ``client.result_from_response``
    reads from the SDK's objects, read from the plain JSON)."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices:
        raise ProviderError("response has no choices", retryable=True)
    texts = []
    for choice in choices:
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        texts.append(content or "")
    usage = data.get("usage") or {}
    extra: dict[str, Any] = {}
    logprob = _mean_logprob(choices[0])
    if logprob is not None:
        extra["logprob"] = logprob
    # Every field is already of its type (built just above): no validation pass per call.
    return CallResult.model_construct(
        texts=texts,
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        latency_ms=float(latency_ms),
        extra=extra,
    )


def _mean_logprob(choice: Any) -> float | None:
    logprobs = choice.get("logprobs") if isinstance(choice, dict) else None
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    values = [float(t["logprob"]) for t in content or [] if isinstance(t, dict) and t.get("logprob") is not None]
    return sum(values) / len(values) if values else None


# --- the client -------------------------------------------------------------------------------


class OpenAICompatibleClient:
    """One model's chat completions over one pooled aiohttp session (per event loop).

    The pool holds at most ``cfg.concurrency`` connections (the runner's own limit decides
    how many calls are in flight; the pool only never opens more than that).
    """

    # Every request carries cfg.timeout_s as its total timeout, so the runner needs no deadline of its own.
    enforces_timeout = True

    def __init__(self, cfg: ModelConfig):
        import aiohttp

        self._aiohttp = aiohttp
        self.cfg = cfg
        key = cfg.api_key() or os.environ.get("OPENAI_API_KEY") or ("not-needed" if api_base(cfg) else None)
        if key is None:
            raise ModelAccessError(f"model '{cfg.name}': no API key; set OPENAI_API_KEY or api_key_env in models.yaml")
        remember_credential(key)  # whatever its shape or source, it never reaches a file
        self._url = (api_base(cfg) or OPENAI_BASE).rstrip("/") + "/chat/completions"
        self._headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._model = cfg.model.split("/", 1)[-1]
        self._proxy = proxy_for(self._url)
        self._timeout = aiohttp.ClientTimeout(total=cfg.timeout_s)
        self._session: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closer: AsyncIterator[None] | None = None

    async def _session_here(self) -> Any:
        """This loop's session: each ``asyncio.run`` (one per run) gets its own, closed with the loop."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            connector = self._aiohttp.TCPConnector(limit=max(1, self.cfg.concurrency), ttl_dns_cache=300)
            # trust_env would look the proxy and ~/.netrc up in a thread on every request (two thread
            # hops per call); the proxy is looked up once instead (proxy_for), and no cookies are kept.
            session = self._aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, cookie_jar=self._aiohttp.DummyCookieJar()
            )
            self._session, self._loop = session, loop
            # asyncio.run finalises every live async generator before it closes the loop: this
            # one's finally then closes the session inside its own loop, so no socket (and no
            # "Unclosed client session" warning) outlives the run.
            self._closer = _close_with_loop(session)
            await self._closer.__anext__()
        return self._session

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        body = _body({"model": self._model, "messages": messages, **params}).encode()
        session = self._session
        if session is None or self._loop is not asyncio.get_running_loop() or session.closed:
            session = await self._session_here()
        start = time.perf_counter()
        try:
            async with session.post(self._url, data=body, headers=self._headers, proxy=self._proxy) as resp:
                raw = await resp.read()
                status = resp.status
                if status >= 400:
                    raise status_error(status, raw, dict(resp.headers))
            data = json.loads(raw)
        except asyncio.TimeoutError:  # aiohttp's own timeouts are TimeoutError subclasses
            raise classify(APITimeoutError()) from None
        except self._aiohttp.ClientError as exc:  # refused, reset, cut short: the SDK's "Connection error."
            raise classify(APIConnectionError(_connection_message(exc))) from None
        except Exception as exc:  # a status error, malformed JSON: classified, none escapes raw
            raise classify(exc) from None
        return result_from_json(data, (time.perf_counter() - start) * 1000)


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``..., minus ``NO_PROXY``), as httpx would use."""
    parts = urlparse(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def _connection_message(exc: BaseException) -> str:
    # The SDK says only "Connection error."; the cause (refused, disconnected, payload cut) helps more.
    detail = " ".join(str(exc).split())
    return f"Connection error. ({type(exc).__name__}{': ' + detail if detail else ''})"


async def _close_with_loop(session: Any) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await session.close()
