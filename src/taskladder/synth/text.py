"""How filters see a row: its id and its texts, whatever shape the row has.

Rows may be plain dicts (``{"id": ..., "input": ..., "output": ...}``), task ``Example``s
(``inputs``/``outputs`` dicts), chat rows (``messages`` lists) or bare strings; filters take
them all so that synth transforms, exports and task splits can be filtered alike.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

# Fields that describe a row rather than hold its content.
META_FIELDS = frozenset({"id", "lineage", "extra"})

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


def as_mapping(row: Any) -> Mapping[str, Any]:
    """A row's fields as one flat mapping (an Example's inputs and outputs side by side)."""
    if isinstance(row, str):
        return {"text": row}
    if isinstance(row, BaseModel):
        row = row.model_dump()
    if not isinstance(row, Mapping):
        raise TypeError(f"a row must be a mapping, a pydantic model or a string, not {type(row).__name__}")
    if isinstance(row.get("inputs"), Mapping):
        flat: dict[str, Any] = {"id": row.get("id")}
        flat.update(row["inputs"])
        flat.update(row.get("outputs") or {})
        return flat
    return row


def row_id(row: Any, index: int) -> str:
    """The row's ``id`` when it has one, else its position (0-based) in the input."""
    if not isinstance(row, str):
        rid = as_mapping(row).get("id")
        if rid is not None:
            return str(rid)
    return str(index)


def _value_texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(m, Mapping) and "content" in m for m in value):
        # A messages list: each message's content is one text.
        return [m["content"] for m in value if isinstance(m.get("content"), str)]
    # Numbers, JSON outputs ...: their canonical JSON, so equal values give equal text.
    return [json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)]


def row_texts(row: Any, fields: Sequence[str] | None = None) -> list[str]:
    """The texts of a row, one per field (or per message), in field order.

    ``fields=None`` takes every content field (all but id/lineage/extra).
    """
    m = as_mapping(row)
    names = fields if fields is not None else [k for k in m if k not in META_FIELDS]
    texts: list[str] = []
    for name in names:
        texts.extend(_value_texts(m.get(name)))
    return texts


def row_text(row: Any, fields: Sequence[str] | None = None) -> str:
    """All texts of a row joined by a separator no field text is likely to hold."""
    return "\n\u241e\n".join(row_texts(row, fields))


def normalize(text: str) -> str:
    """Unicode-compatible, case-folded, whitespace-collapsed text (for exact-duplicate hashes).

    Punctuation is kept: in code, math or labels ``a+b`` and ``a-b`` differ.
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def words(text: str) -> list[str]:
    """Case-folded word tokens, punctuation dropped (for shingles and n-gram overlap)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
