"""Token counts of training examples: o200k_base by default, the model's own tokenizer via
litellm when a model is named.

tiktoken downloads its encodings on first use, which fails offline. litellm's wheel ships a
copy of o200k_base; when it is installed we point tiktoken's cache at that copy (hash-checked
by tiktoken) instead of the network, without importing litellm itself.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from unittest import mock

from ..errors import TaskladderError

log = logging.getLogger(__name__)

# tiktoken names its cache files by the sha1 of the encoding's URL; this is o200k_base's.
_O200K_CACHE_KEY = "fb374d419588a4632f3f557e76b4b70aebbca790"

# OpenAI's published accounting for chat messages: a few tokens of framing per message and
# for the reply priming. Approximate for tools, which OpenAI renders in its own way.
_PER_MESSAGE = 3
_PER_NAME = 1
_REPLY_PRIMING = 3


def _bundled_tiktoken_dir() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    return folder if (folder / _O200K_CACHE_KEY).exists() else None


@lru_cache(maxsize=1)
def o200k_encoding() -> Any:
    """The o200k_base encoding, offline when litellm's bundled copy is present."""
    import tiktoken

    try:
        bundled = _bundled_tiktoken_dir()
        if bundled is not None:
            with mock.patch.dict(os.environ, {"TIKTOKEN_CACHE_DIR": str(bundled)}):
                return tiktoken.get_encoding("o200k_base")
        return tiktoken.get_encoding("o200k_base")
    except Exception as exc:  # network error, corrupt cache ...
        raise TaskladderError(
            f"cannot load the o200k_base tokenizer ({type(exc).__name__}); go online once, set "
            "TIKTOKEN_CACHE_DIR to a folder holding it, or install litellm (which bundles it)"
        ) from exc


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
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before the import: no network
        import litellm

        self._litellm = litellm
        self.model = model
        self.name = f"{model} via litellm"
        try:  # name the tokenizer in the report; a private helper, so only best effort
            with contextlib.redirect_stdout(io.StringIO()):  # litellm prints hints on stdout
                tok = litellm.utils._select_tokenizer(model)
            self.name += f" ({getattr(tok.get('tokenizer'), 'name', None) or tok.get('type')})"
        except Exception as exc:  # noqa: BLE001 - the name is decoration
            log.debug("cannot name litellm's tokenizer for %s: %s", model, exc)

    def count(self, messages: list[dict[str, Any]], tools: list[Any] | None = None) -> int:
        with contextlib.redirect_stdout(io.StringIO()):
            return int(self._litellm.token_counter(model=self.model, messages=messages, tools=tools or None))


def make_counter(model: str | None) -> TokenCounter:
    """The model's tokenizer through litellm when it can count a probe, else o200k_base."""
    if model:
        try:
            counter = LitellmCounter(model)
            counter.count([{"role": "user", "content": "probe"}])
            return counter
        except ImportError:
            log.warning("litellm is not installed; counting tokens with o200k_base")
        except Exception as exc:  # noqa: BLE001 - e.g. a Hugging Face tokenizer it cannot fetch offline
            log.warning("litellm cannot count tokens for %s (%s); counting with o200k_base", model, exc)
    return TiktokenCounter()
