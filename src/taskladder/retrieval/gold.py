"""Gold evidence for an example, read from its extra columns, and matching it to chunks.

Columns (any of them, on the example's row):
- ``source`` / ``sources``: where the answer is. A document id (``docs/setup.md``), a
  section of one (``docs/setup.md#Wi-Fi``, matched against the chunk's heading trail or a
  heading line inside the chunk), a chunk id (``docs/setup.md#3``), or a folder
  (``docs/faq/``). A bare file name (``setup.md``) matches the document with that name.
- ``gold_passage`` / ``gold_passages``: text the answer rests on; a chunk matches when it
  contains the passage (case and whitespace ignored).
Several values in one cell are separated by ``;``, ``|`` or new lines, or given as a JSON list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from .chunking import Chunk

SOURCE_COLUMNS = ("source", "sources")
PASSAGE_COLUMNS = ("gold_passage", "gold_passages")
_SEPARATORS = re.compile(r"[;|\n]")
_SPACES = re.compile(r"\s+")
_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


class Gold(BaseModel):
    """What counts as the right evidence for one example; each entry must be found."""

    sources: list[str] = Field(default_factory=list)
    passages: list[str] = Field(default_factory=list)

    model_config = {"frozen": True}

    @property
    def size(self) -> int:
        return len(self.sources) + len(self.passages)


def gold_from_extra(extra: Mapping[str, Any]) -> Gold | None:
    """The example's gold sources and passages, or None when its row names none."""
    sources = [v for col in SOURCE_COLUMNS for v in _values(extra.get(col), split=True)]
    # Passages are free text, so only a JSON list or new lines separate several of them.
    passages = [v for col in PASSAGE_COLUMNS for v in _values(extra.get(col), split=False)]
    if not sources and not passages:
        return None
    return Gold(sources=sources, passages=passages)


def _values(cell: Any, *, split: bool) -> list[str]:
    if cell is None:
        return []
    if isinstance(cell, str):
        text = cell.strip()
        if text.startswith("["):
            try:
                cell = json.loads(text)
            except json.JSONDecodeError:
                cell = text
        else:
            cell = text
    if isinstance(cell, (list, tuple)):
        items = [str(v) for v in cell]
    else:
        items = _SEPARATORS.split(str(cell)) if split else str(cell).split("\n")
    return [v.strip() for v in items if str(v).strip()]


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def source_matches(source: str, chunk: Chunk) -> bool:
    """Whether ``chunk`` is (part of) the place ``source`` names."""
    source = source.strip().removeprefix("./")
    if source.endswith("/"):
        return ("/" + source) in ("/" + chunk.doc_id)
    doc, _, section = source.partition("#")
    if not _same_doc(doc, chunk.doc_id):
        return False
    if not section:
        return True
    if section.isdigit():
        return chunk.id == f"{chunk.doc_id}#{section}"
    want = _norm(section)
    trail = [_norm(h) for h in chunk.heading.split(" > ")] if chunk.heading else []
    return want in trail or any(_norm(m) == want for m in _HEADING_LINE.findall(chunk.text))


def _same_doc(named: str, doc_id: str) -> bool:
    return named == doc_id or doc_id.endswith("/" + named)


def passage_matches(passage: str, chunk: Chunk) -> bool:
    return _norm(passage) in _norm(chunk.text)


def gold_hits(gold: Gold, retrieved: list[Chunk]) -> int:
    """How many of the gold entries at least one retrieved chunk matches."""
    found = sum(any(source_matches(s, c) for c in retrieved) for s in gold.sources)
    return found + sum(any(passage_matches(p, c) for c in retrieved) for p in gold.passages)


def example_recall(gold: Gold, retrieved: list[Chunk]) -> float:
    """Share of the gold entries found among ``retrieved`` (1.0 = all evidence retrieved)."""
    return gold_hits(gold, retrieved) / gold.size if gold.size else 0.0
