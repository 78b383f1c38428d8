"""The OpenAI endpoints the loopback server answers when no fault is injected."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from . import _embeddings, _shapes
from ._tokens import count_tokens, prompt_tokens
from .responders import Responder, last_user_text

log = logging.getLogger(__name__)

_MAX_N = 128


class EndpointConfig(Protocol):
    """What the endpoints read from the server (attributes a test may change while it runs)."""

    responder: Responder
    models: list[str]
    encoding: str
    embedding_dim: int


class Reply:
    """What an endpoint answers: a JSON body, or SSE chunks for a streamed completion."""

    __slots__ = ("status", "payload", "chunks", "headers")

    def __init__(self, status: int, payload: Any = None, chunks: list[dict[str, Any]] | None = None,
                 headers: Iterable[tuple[str, str]] = ()):
        self.status, self.payload, self.chunks, self.headers = status, payload, chunks, list(headers)


def error_reply(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return Reply(status, _shapes.error_body(status, message), headers=headers)


def truncation_payload(cfg: EndpointConfig, path: str, body: Any) -> Any:
    """The answer a truncated response cuts in half: the real one when there is one."""
    if isinstance(body, dict) and not body.get("stream"):
        reply = route(cfg, "POST", path, body, b"")
        if reply.status == 200:
            return reply.payload
    return {"object": "truncated", "padding": "x" * 64}


def route(cfg: EndpointConfig, method: str, path: str, body: Any, raw: bytes) -> Reply:
    if path == "/chat/completions":
        return _chat_completion(cfg, body, raw) if method == "POST" else error_reply(405, "use POST")
    if path == "/embeddings":
        return _embed(cfg, body, raw) if method == "POST" else error_reply(405, "use POST")
    if path == "/models" and method == "GET":
        return Reply(200, _shapes.model_list(cfg.models))
    if path.startswith("/models/") and method == "GET":
        model_id = path[len("/models/"):]
        if model_id in cfg.models:
            return Reply(200, _shapes.model_entry(model_id))
        return error_reply(404, f"The model '{model_id}' does not exist")
    return error_reply(404, f"Unknown endpoint {method} {path}")


DEFAULT_LOGPROB = -0.05  # per token, when a responder says nothing (p = 0.95)


def _chat_completion(cfg: EndpointConfig, body: Any, raw: bytes) -> Reply:
    if not isinstance(body, dict):
        return error_reply(400, "request body must be a JSON object" if raw else "request body is empty")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return error_reply(400, "'messages' must be a non-empty list")
    n = body.get("n")
    n = 1 if n is None else n
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= _MAX_N:
        return error_reply(400, f"'n' must be an integer from 1 to {_MAX_N}")
    try:
        answer = cfg.responder(body)
    except Exception as exc:  # a test's responder bug: answer 500 and say why in the log
        log.exception("loopback responder raised")
        return error_reply(500, f"responder raised {type(exc).__name__}: {exc}")
    texts = _choice_texts(answer, n)
    model = str(body.get("model") or cfg.models[0])
    p_tokens = prompt_tokens(messages, cfg.encoding)
    c_tokens = sum(count_tokens(t, cfg.encoding) for t in texts)
    if body.get("stream"):
        options = body.get("stream_options") or {}
        include_usage = bool(options.get("include_usage")) if isinstance(options, dict) else False
        return Reply(200, chunks=_shapes.chat_chunks(model, texts, p_tokens, c_tokens, include_usage))
    logprobs = None
    if body.get("logprobs"):
        # A responder may answer with a `Scored` string to set the per-token log-probability.
        given = answer if isinstance(answer, list) else [answer] * len(texts)
        logprobs = [float(getattr(a, "logprob", DEFAULT_LOGPROB)) for a in given[: len(texts)]]
        logprobs += [logprobs[-1]] * (len(texts) - len(logprobs))
    return Reply(200, _shapes.chat_completion(model, texts, p_tokens, c_tokens, logprobs))


def _embed(cfg: EndpointConfig, body: Any, raw: bytes) -> Reply:
    if not isinstance(body, dict):
        return error_reply(400, "request body must be a JSON object" if raw else "request body is empty")
    try:
        texts = _embeddings.embedding_inputs(body.get("input"))
    except ValueError as exc:
        return error_reply(400, str(exc))
    dim = body.get("dimensions")
    dim = cfg.embedding_dim if dim is None else dim
    if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
        return error_reply(400, "'dimensions' must be a positive integer")
    fmt = body.get("encoding_format") or "float"
    vectors = [_embeddings.encode_vector(_embeddings.pseudo_embedding(t, dim), fmt) for t in texts]
    tokens = sum(count_tokens(t, cfg.encoding) for t in texts)
    return Reply(200, _embeddings.embeddings_body(str(body.get("model") or cfg.models[0]), vectors, tokens))


def _choice_texts(answer: str | list[str], n: int) -> list[str]:
    """A string fills all ``n`` choices; a list gives one per choice, cycled."""
    if isinstance(answer, str):
        return [answer] * n
    answers = [str(a) for a in answer] or [""]
    return [answers[i % len(answers)] for i in range(n)]


def key_text(path: str, body: Any) -> str:
    """The text ``FailFirst`` rules match: last user message, or the embeddings input."""
    if not isinstance(body, dict):
        return ""
    if path == "/embeddings":
        try:
            return "\n".join(_embeddings.embedding_inputs(body.get("input")))
        except ValueError:
            return ""
    return last_user_text(body)
