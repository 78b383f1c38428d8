"""``create_app``: an OpenAI-compatible HTTP API around a responder, with guards.

Endpoints: ``POST /v1/chat/completions`` (``stream: true`` too), ``GET /v1/models``,
``GET /healthz`` (no auth, for load balancers) and ``GET /metrics`` (Prometheus text).

A chat completion goes: auth -> concurrency slot (or 429 + Retry-After) -> validation ->
input guard (block -> 400 with findings) -> responder -> output guard (block -> 400,
redact -> served redacted) -> response with the guard decisions in the
``taskladder_guard`` field and the ``X-Taskladder-Guard`` header.

``stream: true`` is answered with server-sent events in OpenAI's ``chat.completion.chunk``
format (``stream.py``). The whole answer passes the guards first, so a blocked or
redacted answer is decided before the first byte: a block is an ordinary 400, never a
stream cut short after some text went out.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, cast

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ConfigError
from ..guard import Guard, GuardDecision, most_severe
from ..guard.checks import schema_validator
from .errors import APIError, api_error_handler, http_error_handler, validation_error_handler
from .gate import Gate
from .limiter import ConcurrencyLimiter
from .metrics import CONTENT_TYPE, ServeMetrics
from .responder import Responder, ResponderResult
from .schemas import ChatCompletionRequest
from .stream import sse_response

log = logging.getLogger("taskladder.serve")


def create_app(
    responder: Responder,
    *,
    guard: Guard | None = None,
    model_name: str,
    max_concurrency: int = 8,
    api_token: str | None = None,
    request_timeout_s: float | None = 300.0,
    max_request_bytes: int = 2_000_000,
    on_served: Callable[[dict[str, Any]], None] | None = None,
) -> FastAPI:
    """Build the app. ``api_token`` (when set) is required as ``Authorization: Bearer ...``
    on every endpoint but ``/healthz``. ``serve``/``run_server`` refuse to listen beyond
    loopback without one. ``on_served`` receives one dict per request that reached the
    pipeline or a guard (status, guard decisions, usage, latency), for the caller to store."""
    limiter = ConcurrencyLimiter(max_concurrency)
    metrics = ServeMetrics()
    created = int(time.time())
    is_async = inspect.iscoroutinefunction(responder) or inspect.iscoroutinefunction(
        getattr(responder, "__call__", None)  # noqa: B004 - an object whose __call__ is async
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if guard is not None:
            guard.warm_up()  # a bad guard config fails at start-up, not on the first request
        yield

    app = FastAPI(title="taskladder", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.api_token = api_token
    app.state.limiter = limiter
    app.state.metrics = metrics
    app.add_exception_handler(APIError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)

    app.add_middleware(Gate, state=app.state, metrics=metrics, max_request_bytes=max_request_bytes)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "model": model_name, "in_flight": limiter.in_flight,
                "max_concurrency": limiter.limit}

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/v1/models")
    async def list_models() -> dict[str, Any]:
        return {"object": "list", "data": [_model_card(model_name, created)]}

    @app.get("/v1/models/{model_id:path}")
    async def get_model(model_id: str) -> dict[str, Any]:
        if model_id != model_name:
            raise APIError(404, f"model {model_id!r} does not exist; this server serves {model_name!r}",
                           code="model_not_found", param="model")
        return _model_card(model_name, created)

    @app.post("/v1/chat/completions")
    async def chat_completions(body: ChatCompletionRequest) -> Response:
        if not limiter.try_acquire():
            wait = limiter.retry_after()
            raise APIError(429, f"server is at its concurrency limit ({limiter.limit}); retry after {wait} s",
                           type="rate_limit_error", code="rate_limit_exceeded",
                           headers={"Retry-After": str(wait)})
        metrics.in_flight.set(limiter.in_flight)
        started = time.perf_counter()
        try:
            payload, headers = await _complete(body)
        finally:
            elapsed = time.perf_counter() - started
            limiter.release(elapsed)
            metrics.in_flight.set(limiter.in_flight)
            metrics.latency.observe(elapsed)
        if body.stream:
            return sse_response(payload, headers, include_usage=_wants_usage(body))
        return JSONResponse(payload, headers=headers)

    async def _complete(body: ChatCompletionRequest) -> tuple[dict[str, Any], dict[str, str]]:
        _validate(body, model_name)
        try:
            schema = body.output_schema()
            if schema is not None and guard is not None:
                schema_validator(schema)
        except (ValueError, ConfigError) as exc:
            raise APIError(400, str(exc), param="response_format", code="invalid_value") from None
        messages = [{"role": m.role, "content": m.text(), **({"name": m.name} if m.name else {})}
                    for m in body.messages]

        decisions: dict[str, GuardDecision] = {}
        if guard is not None:
            d_in = guard.check_messages(messages)
            decisions["input"] = d_in
            metrics.decisions.labels("input", d_in.decision).inc()
            if d_in.blocked:
                _report("blocked-input", decisions)
                raise _blocked("input", d_in)
            messages = d_in.messages or messages
            messages = _with_reminder(guard, messages)

        result = await _call(messages, body.params())
        text = result.text

        if guard is not None:
            d_out = guard.check_output(text, schema=schema)
            decisions["output"] = d_out
            metrics.decisions.labels("output", d_out.decision).inc()
            if d_out.blocked:
                _report("blocked-output", decisions, result)
                raise _blocked("output", d_out)
            text = d_out.text

        metrics.tokens.labels("prompt").inc(result.usage_in)
        metrics.tokens.labels("completion").inc(result.usage_out)
        if result.cached:
            metrics.cache_hits.inc()
        worst = most_severe([d.decision for d in decisions.values()])
        redacted_out = "output" in decisions and decisions["output"].decision == "redact"
        payload = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model_name,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "content_filter" if redacted_out else "stop",
                "logprobs": None,
            }],
            "usage": {"prompt_tokens": result.usage_in, "completion_tokens": result.usage_out,
                      "total_tokens": result.usage_in + result.usage_out},
        }
        _report("served", decisions, result)
        headers = {"X-Taskladder-Cache": "hit" if result.cached else "miss"}
        if guard is not None:
            payload["taskladder_guard"] = {k: d.to_record() for k, d in decisions.items()}
            headers["X-Taskladder-Guard"] = worst
        return payload, headers

    def _report(status: str, decisions: dict[str, GuardDecision], result: ResponderResult | None = None) -> None:
        if on_served is None:
            return
        try:
            on_served({
                "status": status, "time": time.time(),
                "decisions": {k: d.to_record() for k, d in decisions.items()},
                "usage_in": result.usage_in if result else 0, "usage_out": result.usage_out if result else 0,
                "cached": bool(result and result.cached),
            })
        except Exception:  # storing the log must never fail a request
            log.exception("on_served hook failed")

    async def _call(messages: list[dict[str, Any]], params: dict[str, Any]) -> ResponderResult:
        try:
            # A sync responder runs in a worker thread; on timeout the client gets its 504 at
            # once, though the thread itself cannot be interrupted and finishes on its own.
            # `Responder` allows either kind of callable; `is_async` (checked once above) says which
            # this one is, so the awaitable yields a ResponderResult either way.
            pending: Awaitable[ResponderResult]
            if is_async:
                pending = cast("Awaitable[ResponderResult]", responder(messages, params))
            else:
                pending = cast("Awaitable[ResponderResult]", run_in_threadpool(responder, messages, params))
            result = await (asyncio.wait_for(pending, request_timeout_s) if request_timeout_s else pending)
        except asyncio.TimeoutError:
            raise APIError(504, f"the model did not answer within {request_timeout_s:g} s",
                           type="server_error", code="timeout") from None
        except APIError:
            raise
        except Exception:
            log.exception("responder failed")
            raise APIError(500, "the pipeline failed to answer; see the server log",
                           type="server_error", code="responder_error") from None
        if isinstance(result, str):
            result = ResponderResult(text=result)
        if not isinstance(result, ResponderResult):
            log.error("responder returned %r, expected ResponderResult", type(result).__name__)
            raise APIError(500, "the pipeline returned an invalid result", type="server_error",
                           code="responder_error")
        return result

    return app


def _wants_usage(body: ChatCompletionRequest) -> bool:
    options = (body.model_extra or {}).get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


def _validate(body: ChatCompletionRequest, model_name: str) -> None:
    if body.n not in (None, 1):
        raise APIError(400, "only n=1 is supported", param="n", code="unsupported_value")
    if body.model != model_name:
        raise APIError(404, f"model {body.model!r} does not exist; this server serves {model_name!r}",
                       param="model", code="model_not_found")
    if not any(m.role == "user" and m.text() for m in body.messages):
        raise APIError(400, "'messages' needs at least one user message with content",
                       param="messages", code="invalid_value")


def _blocked(stage: str, decision: GuardDecision) -> APIError:
    return APIError(
        400,
        f"the {stage} was blocked by the guard ({decision.summary()})",
        code=f"guard_blocked_{stage}",
        param="messages" if stage == "input" else None,
        headers={"X-Taskladder-Guard": "block"},
        extra={"findings": [f.model_dump(mode="json", exclude_none=True) for f in decision.findings]},
    )


def _with_reminder(guard: Guard, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wrap the last user message in the cautionary reminder (a no-op when it is disabled)."""
    if not guard.config.reminder.enabled:
        return messages
    out = list(messages)
    for i in range(len(out) - 1, -1, -1):
        if out[i]["role"] == "user" and isinstance(out[i].get("content"), str):
            out[i] = {**out[i], "content": guard.wrap_user_content(out[i]["content"])}
            break
    return out


def _model_card(model_name: str, created: int) -> dict[str, Any]:
    return {"id": model_name, "object": "model", "created": created, "owned_by": "taskladder"}
