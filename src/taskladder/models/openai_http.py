"""``openai/...`` models and any OpenAI-compatible server, over lean keep-alive HTTP.

OpenAI, vLLM, Ollama, llama.cpp, Together, Fireworks... all speak the same chat-completions
JSON, so this client posts it over its own keep-alive connections (``http1.Endpoint``; aiohttp
when a proxy is set) and reads the answer with ``json.loads``: no SDK request transformation,
no pydantic response objects, no httpx pool bookkeeping. That is ~0.14 ms of client CPU per
call, where aiohttp took ~0.36 ms, the openai SDK ~3 ms and LiteLLM on top of it more
(benchmarks/bench_throughput.py), which on two cores decides how many calls per second a run
can make at all.

Failures are raised as exceptions named and worded like the openai SDK's
(``AuthenticationError``: "Error code: 401 - ...", ``APIConnectionError``: "Connection error.",
``APITimeoutError``: "Request timed out.") carrying ``status_code`` and ``headers``, so
``errors.classify`` treats them exactly as it treated the SDK's: the same retryable set, the
same ``Retry-After``, the same redacted one-line messages in records.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
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
from .http1 import Endpoint

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
    400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError,
    409: ConflictError, 422: UnprocessableEntityError, 429: RateLimitError,
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
    """One model's chat completions, over keep-alive connections of its own (per event loop).

    Directly (``http1.Endpoint``: a request written as bytes, the answer parsed by llhttp), or
    through aiohttp when the environment names a proxy for the server. The runner's own limit
    decides how many calls are in flight; either pool only opens a connection per call in flight.
    """

    # Every request carries cfg.timeout_s as its total timeout, so the runner needs no deadline of its own.
    enforces_timeout = True

    def __init__(self, cfg: ModelConfig):
        self.cfg = cfg
        key = cfg.api_key() or os.environ.get("OPENAI_API_KEY") or ("not-needed" if api_base(cfg) else None)
        if key is None:
            raise ModelAccessError(
                f"model '{cfg.name}': no API key; set OPENAI_API_KEY or api_key_env in models.yaml"
            )
        remember_credential(key)  # whatever its shape or source, it never reaches a file
        self._url = (api_base(cfg) or OPENAI_BASE).rstrip("/") + "/chat/completions"
        self._headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                         "Accept": "application/json", "User-Agent": "taskladder"}
        self._model = cfg.model.split("/", 1)[-1]
        self._proxy = proxy_for(self._url)
        self._pool: Any = None  # this loop's http1.Endpoint or aiohttp session
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closer: AsyncIterator[None] | None = None

    async def _pool_here(self) -> Any:
        """This loop's pool: each ``asyncio.run`` (one per run) gets its own, closed with the loop."""
        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:
            self._pool = self._aiohttp_session() if self._proxy else Endpoint(
                self._url, self._headers, max_idle=max(1, self.cfg.concurrency))
            self._loop = loop
            # asyncio.run finalises every live async generator before it closes the loop: this
            # one's finally then closes the pool inside its own loop, so no socket (and no
            # "Unclosed client session" warning) outlives the run.
            self._closer = _close_with_loop(self._pool)
            await self._closer.__anext__()
        return self._pool

    def _aiohttp_session(self) -> Any:
        import aiohttp  # ~0.3 s to import: only for a server behind a proxy

        connector = aiohttp.TCPConnector(limit=max(1, self.cfg.concurrency), ttl_dns_cache=300)
        # trust_env would look the proxy and ~/.netrc up in a thread on every request (two thread
        # hops per call); the proxy is looked up once instead (proxy_for), and no cookies are kept.
        return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=self.cfg.timeout_s),
                                     cookie_jar=aiohttp.DummyCookieJar())

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        body = _body({"model": self._model, "messages": messages, **params}).encode()
        pool = self._pool
        if pool is None or self._loop is not asyncio.get_running_loop():
            pool = await self._pool_here()
        start = time.perf_counter()
        try:
            if isinstance(pool, Endpoint):
                answer = await pool.post(body, self.cfg.timeout_s)
                status, raw, headers = answer.status, answer.body, answer.headers
            else:
                status, raw, headers = await _post_aiohttp(pool, self._url, body, self._headers, self._proxy)
            if status >= 400:
                raise status_error(status, raw, headers)
            data = json.loads(raw)
        except asyncio.TimeoutError:  # ours and aiohttp's timeouts alike
            raise classify(APITimeoutError()) from None
        except _connection_errors() as exc:  # refused, reset, cut short: the SDK's "Connection error."
            raise classify(APIConnectionError(_connection_message(exc))) from None
        except Exception as exc:  # a status error, malformed JSON: classified, none escapes raw
            raise classify(exc) from None
        return result_from_json(data, (time.perf_counter() - start) * 1000)


async def _post_aiohttp(session: Any, url: str, body: bytes, headers: dict[str, str],
                        proxy: str | None) -> tuple[int, bytes, dict[str, str]]:
    async with session.post(url, data=body, headers=headers, proxy=proxy) as resp:
        return resp.status, await resp.read(), dict(resp.headers)


def _connection_errors() -> tuple[type[Exception], ...]:
    """A failed connection: an OSError, or aiohttp's ClientError once a proxied call has imported it."""
    aiohttp = sys.modules.get("aiohttp")
    return (OSError, aiohttp.ClientError) if aiohttp is not None else (OSError,)


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


async def _close_with_loop(pool: Any) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await pool.close()
