"""The text under check, with derived forms computed once and shared between checks.

Most rules look for ASCII keywords and markers, so they work on the UTF-8 bytes lower-cased
with ``bytes.lower`` (ASCII letters only): bytes searches are C loops that stay fast even
when one curly quote turns the ``str`` into a wider, slower representation. Byte offsets
are turned back into character offsets only for the few spans that get reported.
Each form is built on first use, so a guard with those checks disabled never pays for it.
"""

from __future__ import annotations

import string
from collections import Counter
from functools import cached_property
from typing import Any

_PUNCT_TO_SPACE = bytes.maketrans(string.punctuation.encode(), b" " * len(string.punctuation))


class TextView:
    def __init__(
        self,
        text: str,
        *,
        expected_language: str | None = None,
        schema: dict[str, Any] | None = None,
    ) -> None:
        self.text = text
        self.expected_language = expected_language
        self.schema = schema

    @cached_property
    def utf8(self) -> bytes:
        return self.text.encode("utf-8", "surrogatepass")

    @cached_property
    def low(self) -> bytes:
        """UTF-8 bytes with ASCII letters lower-cased."""
        return self.utf8.lower()

    @cached_property
    def words(self) -> list[bytes]:
        """Lower-cased words: ASCII punctuation turned into spaces, then split on whitespace.

        Two C-level passes; "poem," "poem!" and "(poem)" all count as the word "poem".
        """
        return self.low.translate(_PUNCT_TO_SPACE).split()

    @cached_property
    def word_counts(self) -> Counter[bytes]:
        return Counter(self.words)

    def char_offset(self, byte_offset: int) -> int:
        """Character index of a byte offset (clamped onto a character boundary)."""
        if self.text.isascii():
            return byte_offset
        return len(self.utf8[:byte_offset].decode("utf-8", "ignore"))

    def window(self, start: int, end: int) -> str:
        """Decoded slice of ``low`` between two byte offsets (partial characters dropped)."""
        return self.low[max(0, start) : end].decode("utf-8", "ignore")
