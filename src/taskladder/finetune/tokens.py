"""Token counts of training examples: o200k_base by default, the model's own tokenizer via
litellm when a model is named.

Encodings load offline through ``taskladder.tokenizers``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from typing import Any, Protocol

from ..models.litellm_loader import load_litellm
from ..tokenizers import get_encoding, message_counter

log = logging.getLogger(__name__)

# OpenAI's published accounting for chat messages: a few tokens of framing per message and
# for the reply priming. Approximate for tools, which OpenAI renders in its own way.
_PER_MESSAGE = 3
_PER_NAME = 1
_REPLY_PRIMING = 3


def o200k_encoding() -> Any:
    """The o200k_base encoding, offline (see ``taskladder.tokenizers``)."""
    return get_encoding("o200k_base")


class TokenCounter(Protocol):
    name: str

    def count(self, messages: list[dict[str, Any]], tools: list[Any] | None = None) -> int: ...


def _text_of(msg: dict[str, Any]) -> str:
    parts = [str(msg.get("role", ""))]
    content = msg.get("content")
    if isinstance(content, str):
        parts.append(content)
    elif content is not None:
        parts.append(json.dumps(content, ensure_ascii=False))
    for key in ("tool_calls", "function_call"):
        if msg.get(key):
            parts.append(json.dumps(msg[key], ensure_ascii=False))
    return "\n".join(parts)


class TiktokenCounter:
    """OpenAI-style count: content + role + per-message framing, with o200k_base."""

    name = "o200k_base"

    def __init__(self) -> None:
        self._enc = o200k_encoding()

    def count(self, messages: list[dict[str, Any]], tools: list[Any] | None = None) -> int:
        enc = self._enc
        total = _REPLY_PRIMING
        for msg in messages:
            total += _PER_MESSAGE + len(enc.encode(_text_of(msg), disallowed_special=()))
            if isinstance(msg.get("name"), str):
                total += _PER_NAME + len(enc.encode(msg["name"], disallowed_special=()))
        if tools:
            total += len(enc.encode(json.dumps(tools, ensure_ascii=False), disallowed_special=()))
        return total


class LitellmCounter:
    """The named model's tokenizer, as litellm selects it (its own, or a tiktoken fallback)."""

    def __init__(self, model: str) -> None:
        self._litellm = load_litellm()
        self.model = model
        self.name = f"{model} via litellm"
        try:  # name the tokenizer in the report; a private helper, so only best effort
            with contextlib.redirect_stdout(io.StringIO()):  # litellm prints hints on stdout
                tok = self._litellm.utils._select_tokenizer(model)
            self.name += f" ({getattr(tok.get('tokenizer'), 'name', None) or tok.get('type')})"
        except Exception as exc:  # noqa: BLE001 - the name is decoration
            log.debug("cannot name litellm's tokenizer for %s: %s", model, exc)

    def count(self, messages: list[dict[str, Any]], tools: list[Any] | None = None) -> int:
        with contextlib.redirect_stdout(io.StringIO()):
            return int(self._litellm.token_counter(model=self.model, messages=messages, tools=tools or None))


def make_counter(model: str | None) -> TokenCounter:
    """The counter every command uses (``taskladder.tokenizers.message_counter``): a registered
    tokenizer, the model's tiktoken encoding, litellm's count for other providers, else o200k_base."""

    return message_counter(model, load_litellm)
