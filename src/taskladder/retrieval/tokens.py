"""Token offsets for chunking, with a tiktoken encoding that loads offline and fast.

Chunk sizes are counted in tokens of ``o200k_base`` (the GPT-4o family's encoding), the
same encoding ``taskladder.prompt.count_text_tokens`` uses for OpenAI-style models, loaded
offline through ``taskladder.tokenizers``. With no encoding at all, words and punctuation marks stand in for tokens: sizes are then
approximate, but chunking stays deterministic.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable

from ..tokenizers import try_encoding

log = logging.getLogger(__name__)

ENCODING = "o200k_base"
_FALLBACK_PIECES = re.compile(r"\w+|[^\w\s]")

# A function from text to the character offset where each of its tokens starts.
Offsets = Callable[[str], list[int]]


@functools.lru_cache(maxsize=1)
def token_offsets_fn() -> Offsets:
    """The offset function: tiktoken ``o200k_base`` when it loads, else words."""
    encoding = try_encoding(ENCODING)
    if encoding is None:
        log.warning("no tiktoken %s encoding; chunk sizes count words instead", ENCODING)
        return word_offsets

    def offsets(text: str) -> list[int]:
        if not text:
            return []
        return encoding.decode_with_offsets(encoding.encode_ordinary(text))[1]

    return offsets


def word_offsets(text: str) -> list[int]:
    """The stand-in tokenizer: each word and each punctuation mark is one token."""
    return [m.start() for m in _FALLBACK_PIECES.finditer(text)]


def token_offsets(text: str) -> list[int]:
    """Character offset of the start of each token of ``text`` (non-decreasing)."""
    return token_offsets_fn()(text)


def count_tokens(text: str) -> int:
    """Tokens in ``text`` as chunking counts them."""
    return len(token_offsets(text))
