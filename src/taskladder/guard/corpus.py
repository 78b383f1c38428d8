"""A protected corpus: documents whose verbatim reproduction an output must not contain.

Each document is indexed as hashed word n-grams (lower-cased ``\\w+`` words), so looking up
an output costs one dict probe per output word, whatever the corpus size. Matches are
merged into maximal spans and reported with the id of the document they came from.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from ..errors import DataError
from ..jsonl import iter_jsonl

_WORD = re.compile(r"\w+")


class CorpusMatch(NamedTuple):
    start: int  # character span in the checked text
    end: int
    words: int
    source: str


class ProtectedCorpus:
    """Word n-gram index over protected documents. ``n`` is the shortest match reported."""

    def __init__(self, n: int = 12) -> None:
        if n < 3:
            raise ValueError("n-grams shorter than 3 words match ordinary phrases")
        self.n = n
        self._index: dict[int, str] = {}  # n-gram hash -> first source id holding it
        self.sources: list[str] = []

    def __len__(self) -> int:
        return len(self.sources)

    def add(self, source_id: str, text: str) -> None:
        words = _WORD.findall(text.lower())
        n, index = self.n, self._index
        for i in range(len(words) - n + 1):
            index.setdefault(hash(" ".join(words[i : i + n])), source_id)
        self.sources.append(source_id)

    def add_file(self, path: str | Path) -> None:
        """A ``.jsonl`` file adds one document per line (``text``, optional ``id``); any other
        file is one document named by its file name."""
        path = Path(path)
        if not path.exists():
            raise DataError(str(path), "protected corpus file not found; fix the path in the guard config")
        if path.suffix != ".jsonl":
            self.add(path.name, path.read_text(encoding="utf-8", errors="replace"))
            return
        for lineno, row in iter_jsonl(path):
            if not isinstance(row.get("text"), str):
                raise DataError(str(path), "each line needs a string 'text'", row=lineno, field="text")
            self.add(str(row.get("id", f"{path.name}:{lineno}")), row["text"])

    def matches(self, text: str) -> list[CorpusMatch]:
        words = list(_WORD.finditer(text.lower()))
        n, index = self.n, self._index
        if not index or len(words) < n:
            return []
        lowered = [m.group() for m in words]
        hits = [index.get(hash(" ".join(lowered[i : i + n]))) for i in range(len(words) - n + 1)]
        out: list[CorpusMatch] = []
        i = 0
        while i < len(hits):
            if hits[i] is None:
                i += 1
                continue
            j = i
            while j + 1 < len(hits) and hits[j + 1] is not None:
                j += 1
            last_word = j + n - 1
            out.append(CorpusMatch(words[i].start(), words[last_word].end(), last_word - i + 1, hits[i]))  # type: ignore[arg-type]
            i = j + 1
        return out
