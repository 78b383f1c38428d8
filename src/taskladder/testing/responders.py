"""Responders decide what the loopback server answers: ``(request_json) -> str | list[str]``.

A string fills every one of the ``n`` choices; a list gives one text per choice (cycled when it
is shorter than ``n``), which is how a test scripts different samples for voting/selection.
Responders run on the server's event loop, so they must be quick and must not block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._tokens import content_text

Responder = Callable[[dict[str, Any]], str | list[str]]


def last_user_text(request: dict[str, Any]) -> str:
    """The text of the last ``user`` message of a chat request ("" when there is none)."""
    messages = request.get("messages")
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def echo_responder(request: dict[str, Any]) -> str:
    """The default rule: the last non-empty line of the last user message, stripped.

    Prompts usually end with the input to answer (``Input: ...``), so echoing the last line makes
    answers predictable from the request alone, without configuring anything.
    """
    lines = [line.strip() for line in last_user_text(request).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def mapping_responder(
    mapping: Mapping[str, str | list[str]], default: str | Responder | None = None
) -> Responder:
    """Answer ``mapping[key]`` for the first key (in mapping order) found in the last user message.

    ``default`` answers when no key matches: a fixed string, another responder, or ``None`` for
    ``echo_responder``.
    """
    items = list(mapping.items())
    fallback: Responder
    if default is None:
        fallback = echo_responder
    elif isinstance(default, str):
        fixed = default

        def fallback(_request: dict[str, Any]) -> str:
            return fixed
    else:
        fallback = default

    def respond(request: dict[str, Any]) -> str | list[str]:
        text = last_user_text(request)
        for key, answer in items:
            if key in text:
                return answer
        return fallback(request)

    return respond


class Scored(str):
    """An answer with the per-token log-probability the server reports when asked for
    ``logprobs`` (default -0.05): ``Scored("refund", logprob=-1.2)`` is a hesitant answer."""

    logprob: float

    def __new__(cls, text: str, logprob: float = -0.05) -> "Scored":
        obj = super().__new__(cls, text)
        obj.logprob = logprob
        return obj
