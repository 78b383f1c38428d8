"""Token counts for the loopback server's ``usage`` fields.

Encodings load offline through ``taskladder.tokenizers``; as a last resort counts are a length
estimate (logged once), so a test server never fails on token counts.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from ..tokenizers import try_encoding

log = logging.getLogger(__name__)

DEFAULT_ENCODING = "cl100k_base"


@functools.lru_cache(maxsize=4)
def _encoder(name: str) -> Callable[[str], int] | None:
    enc = try_encoding(name)
    if enc is None:  # offline without a bundled file: estimate instead of failing
        log.warning("token counts are estimated as chars/4")
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
