"""tiktoken encodings that load offline.

tiktoken downloads its BPE files on first use, which fails on machines without internet.
LiteLLM's wheel bundles the same files (named, as in tiktoken's own cache, by the sha1 of
their download URL), so they are read from there first — without importing LiteLLM, which
costs seconds. The encoding is built with tiktoken's own constructor and a private loader,
so nothing global (no environment variable, no module attribute) is patched and threads
that use tiktoken meanwhile are unaffected. Every module that counts tokens goes through
here.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import io
import json
import logging
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from .errors import TaskladderError

log = logging.getLogger(__name__)

BPE_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
DEFAULT_ENCODING = "o200k_base"


def bundled_bpe(name: str) -> Path | None:
    """The BPE file LiteLLM ships for ``name``, found without importing LiteLLM."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    key = hashlib.sha1(BPE_URL.format(name=name).encode()).hexdigest()
    for root in spec.submodule_search_locations:
        path = Path(root) / "litellm_core_utils" / "tokenizers" / key
        if path.is_file():
            return path
    return None


def _from_file(name: str, path: Path) -> Any:
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    from tiktoken_ext import openai_public

    ctor = getattr(openai_public, name)

    def local_loader(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        return load_tiktoken_bpe(str(path), expected_hash=expected_hash)

    local_ctor = types.FunctionType(ctor.__code__, {**ctor.__globals__, "load_tiktoken_bpe": local_loader})
    return tiktoken.Encoding(**local_ctor())


@functools.lru_cache(maxsize=8)
def try_encoding(name: str = DEFAULT_ENCODING) -> Any | None:
    """The tiktoken encoding ``name``, or None (logged once) when it cannot be had offline."""
    try:
        path = bundled_bpe(name)
        if path is not None:
            return _from_file(name, path)
        import tiktoken

        return tiktoken.get_encoding(name)
    except Exception as exc:  # not installed, offline without a bundled copy, corrupt cache
        log.warning("tiktoken encoding %s unavailable (%s)", name, exc)
        return None


def get_encoding(name: str = DEFAULT_ENCODING) -> Any:
    """Like ``try_encoding`` but a one-line user error when the encoding cannot be loaded."""
    enc = try_encoding(name)
    if enc is None:
        raise TaskladderError(
            f"cannot load the {name} tokenizer offline; install litellm (which bundles it) or set "
            "TIKTOKEN_CACHE_DIR to a folder holding it"
        )
    return enc


def encoding_for_model(model: str) -> Any | None:
    """The model's tiktoken encoding when tiktoken knows the model, else the default one."""
    try:
        from tiktoken.model import encoding_name_for_model

        name = encoding_name_for_model(model.rsplit("/", 1)[-1])
    except (ImportError, KeyError):
        name = DEFAULT_ENCODING
    return try_encoding(name)


# --- One token counter for every command -------------------------------------------------
#
# `validate`, the prompt packer, budgets and estimates must agree on how long a prompt is,
# so they all ask `message_counter(model)`. In order: a registered tokenizer for the model
# (the hook for local models, whose own tokenizer is the truth); the tiktoken encoding
# OpenAI publishes for the model (o200k_base for gpt-4o-mini; LiteLLM's counter says
# cl100k_base for it); LiteLLM's counter for other providers; else o200k_base.

# OpenAI's published accounting for chat messages: framing per message and for the reply.
PER_MESSAGE = 3
PER_NAME = 1
REPLY_PRIMING = 3

TokenizerFactory = Callable[[str], "MessageCounter | None"]
_REGISTERED: list[TokenizerFactory] = []


class MessageCounter(Protocol):
    name: str

    def count(self, messages: Sequence[dict[str, Any]], tools: list[Any] | None = None) -> int: ...


def register_tokenizer(factory: TokenizerFactory) -> None:
    """Count with ``factory(model)`` for the models it knows (it returns None for others).
    For local models: wrap their own tokenizer (e.g. a Hugging Face ``AutoTokenizer``)."""
    _REGISTERED.append(factory)
    message_counter.cache_clear()


def message_text(msg: dict[str, Any]) -> str:
    """What a chat message contributes to the prompt: role, content, tool calls."""
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


class EncodingCounter:
    """OpenAI-style count with a tiktoken encoding: content + role + per-message framing."""

    def __init__(self, encoding: Any, name: str):
        self._enc = encoding
        self.name = name

    def count_texts(self, texts: Sequence[str]) -> list[int]:
        return [len(self._enc.encode_ordinary(t)) for t in texts]

    def count(self, messages: Sequence[dict[str, Any]], tools: list[Any] | None = None) -> int:
        enc = self._enc
        total = REPLY_PRIMING
        for msg in messages:
            total += PER_MESSAGE + len(enc.encode(message_text(msg), disallowed_special=()))
            if isinstance(msg.get("name"), str):
                total += PER_NAME + len(enc.encode(msg["name"], disallowed_special=()))
        if tools:
            total += len(enc.encode(json.dumps(tools, ensure_ascii=False), disallowed_special=()))
        return total


class LitellmMessageCounter:
    """LiteLLM's count for a provider tiktoken does not know (Anthropic, Hugging Face ...)."""

    def __init__(self, litellm: Any, model: str):
        self._litellm, self.model = litellm, model
        self.name = f"{model} via litellm"

    def count(self, messages: Sequence[dict[str, Any]], tools: list[Any] | None = None) -> int:
        with contextlib.redirect_stdout(io.StringIO()):  # litellm prints hints on stdout
            return int(self._litellm.token_counter(model=self.model, messages=list(messages), tools=tools or None))


def known_encoding_name(model: str) -> str | None:
    """The tiktoken encoding OpenAI publishes for ``model`` (provider prefix ignored), if any."""
    try:
        from tiktoken.model import encoding_name_for_model

        return encoding_name_for_model(model.rsplit("/", 1)[-1])
    except (ImportError, KeyError):
        return None


@functools.lru_cache(maxsize=64)
def message_counter(model: str | None, load_litellm: Callable[[], Any] | None = None) -> MessageCounter:
    """The one token counter for ``model`` (see above). ``load_litellm`` returns the LiteLLM
    module (or raises ImportError): this layer does not import it, and it is loaded only for
    a model no registered tokenizer and no tiktoken encoding covers."""
    if model:
        for factory in reversed(_REGISTERED):  # the latest registration wins
            counter = factory(model)
            if counter is not None:
                return counter
        name = known_encoding_name(model)
        enc = try_encoding(name) if name else None
        if enc is not None:
            return EncodingCounter(enc, name or DEFAULT_ENCODING)
        if load_litellm is not None:
            try:
                counter = LitellmMessageCounter(load_litellm(), model)
                counter.count([{"role": "user", "content": "probe"}])
                return counter
            except ImportError:
                log.warning("litellm is not installed; counting tokens for %s with %s", model, DEFAULT_ENCODING)
            except Exception as exc:  # noqa: BLE001 - e.g. a Hugging Face tokenizer it cannot fetch offline
                log.warning("litellm cannot count tokens for %s (%s); counting with %s", model, exc, DEFAULT_ENCODING)
    return EncodingCounter(get_encoding(DEFAULT_ENCODING), DEFAULT_ENCODING)
