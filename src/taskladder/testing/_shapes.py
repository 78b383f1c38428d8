"""JSON bodies in the shape of the OpenAI API (chat completions, chunks, models, errors)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

_PIECES = re.compile(r"\s*\S+\s*|\s+")


def completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def token_logprobs(text: str, logprob: float) -> dict[str, Any]:
    """OpenAI's ``choices[].logprobs`` shape: one entry per (word-ish) token."""
    pieces = text.split(" ")
    tokens = [p if i == 0 else " " + p for i, p in enumerate(pieces) if p or i == 0]
    return {"content": [{"token": t, "logprob": logprob, "bytes": list(t.encode()), "top_logprobs": []}
                        for t in tokens], "refusal": None}


def chat_completion(model: str, texts: list[str], prompt_tokens: int, completion_tokens: int,
                    logprobs: list[float] | None = None) -> dict[str, Any]:
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_loopback",
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": text},
                "logprobs": None if logprobs is None else token_logprobs(text, logprobs[i]),
                "finish_reason": "stop",
            }
            for i, text in enumerate(texts)
        ],
        "usage": _usage(prompt_tokens, completion_tokens),
    }


def chat_chunks(
    model: str, texts: list[str], prompt_tokens: int, completion_tokens: int, include_usage: bool
) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed answer, one word-ish piece per chunk."""
    base = {"id": completion_id(), "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
    extra = {"usage": None} if include_usage else {}

    def chunk(index: int, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice], **extra}

    chunks: list[dict[str, Any]] = []
    for i, text in enumerate(texts):
        chunks.append(chunk(i, {"role": "assistant", "content": ""}, None))
        chunks.extend(chunk(i, {"content": piece}, None) for piece in _PIECES.findall(text))
        chunks.append(chunk(i, {}, "stop"))
    if include_usage:
        chunks.append({**base, "choices": [], "usage": _usage(prompt_tokens, completion_tokens)})
    return chunks


def model_entry(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "taskladder-loopback"}


def model_list(model_ids: list[str]) -> dict[str, Any]:
    return {"object": "list", "data": [model_entry(m) for m in model_ids]}


_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", "service_unavailable"),
}


def error_body(status: int, message: str) -> dict[str, Any]:
    err_type, code = _ERROR_TYPES.get(status, ("server_error", None))
    return {"error": {"message": message, "type": err_type, "param": None, "code": code}}
