"""Token counts for the loopback server's ``usage`` fields.

tiktoken downloads its BPE files on first use, and these machines reach no such host. LiteLLM's
wheel bundles the same files (named by the sha1 of their download URL, as tiktoken's own cache
names them), so we load from there first, then fall back to tiktoken's normal cache/download, and
as a last resort to a length estimate (logged once) so a test server never fails on token counts.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import math
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_ENCODING = "cl100k_base"
_BPE_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def _bundled_bpe(name: str) -> Path | None:
    """The BPE file LiteLLM ships for ``name``, found without importing LiteLLM (~4 s)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    key = hashlib.sha1(_BPE_URL.format(name=name).encode()).hexdigest()
    for root in spec.submodule_search_locations:
        path = Path(root) / "litellm_core_utils" / "tokenizers" / key
        if path.is_file():
            return path
    return None


def _encoding_from_file(name: str, path: Path) -> Any:
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    from tiktoken_ext import openai_public

    ctor = getattr(openai_public, name)

    def local_loader(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        return load_tiktoken_bpe(str(path), expected_hash=expected_hash)

    # Run tiktoken's own constructor (so the split pattern and special tokens stay tiktoken's,
    # not a copy that could drift) with a private globals dict whose loader reads the local
    # file. Nothing global is patched, so other threads using tiktoken are unaffected.
    local_ctor = types.FunctionType(ctor.__code__, {**ctor.__globals__, "load_tiktoken_bpe": local_loader})
    return tiktoken.Encoding(**local_ctor())


@functools.lru_cache(maxsize=4)
def _encoder(name: str) -> Callable[[str], int] | None:
    path = _bundled_bpe(name)
    try:
        if path is not None:
            enc = _encoding_from_file(name, path)
        else:
            import tiktoken

            enc = tiktoken.get_encoding(name)
    except Exception as exc:  # offline without a bundled file: estimate instead of failing
        log.warning("tiktoken %s unavailable (%s); token counts are estimated as chars/4", name, exc)
        return None
    # encode_ordinary: text that happens to contain "<|endoftext|>" must count, not raise.
    return lambda text: len(enc.encode_ordinary(text))


def warm_encoder(encoding: str = DEFAULT_ENCODING) -> None:
    """Load the encoder now (~0.2 s), so the first counted request is not the slow one."""
    _encoder(encoding)


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Tokens in ``text`` under ``encoding`` (the count the loopback server reports)."""
    if not text:
        return 0
    counter = _encoder(encoding)
    return counter(text) if counter is not None else math.ceil(len(text) / 4)


def content_text(content: Any) -> str:
    """The text of a message ``content``: a string, a list of parts (``{"type": "text"}``), or None."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def prompt_tokens(messages: Iterable[dict[str, Any]], encoding: str = DEFAULT_ENCODING) -> int:
    """``usage.prompt_tokens`` for a chat request: the sum of the tokens of each message's content.

    No per-message framing overhead is added, so a test can recompute the figure exactly.
    """
    return sum(count_tokens(content_text(m.get("content")), encoding) for m in messages if isinstance(m, dict))
