"""Find the answer inside a model reply: code fences, a whole-JSON reply, or JSON in prose."""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[ \t]*\r?\n?(.*?)(?:```|\Z)", re.S)
_DECODER = json.JSONDecoder()
MISSING = object()  # "no value found", distinct from a JSON null


def unfence(text: str) -> str:
    """The body of the reply: the first fenced block (a ``json`` one preferred), else the text.

    An unclosed fence (a reply cut short) still counts, up to the end of the text.
    """
    text = text.strip()
    blocks = [(m.group(1).lower(), m.group(2).strip()) for m in _FENCE.finditer(text)]
    blocks = [b for b in blocks if b[1]]
    if not blocks:
        return text
    for lang, body in blocks:
        if lang == "json":
            return body
    return blocks[0][1]


def loads_whole(text: str) -> Any:
    """``text`` parsed as one JSON value, or ``MISSING`` when it is not exactly that."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return MISSING


def is_missing(value: Any) -> bool:
    return value is MISSING


def json_objects(text: str) -> list[dict[str, Any]]:
    """Every top-level JSON object embedded in ``text`` (prose around them is ignored)."""
    found: list[dict[str, Any]] = []
    pos = text.find("{")
    while pos != -1:
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            pos = text.find("{", pos + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
        pos = text.find("{", end)
    return found


def find_key(obj: dict[str, Any], name: str) -> Any:
    """``obj[name]``, matching the key case- and whitespace-insensitively; ``MISSING`` if absent."""
    if name in obj:
        return obj[name]
    wanted = name.strip().casefold()
    for key, value in obj.items():
        if isinstance(key, str) and key.strip().casefold() == wanted:
            return value
    return MISSING


def best_object(text: str, keys: list[str]) -> dict[str, Any] | None:
    """The embedded JSON object holding the most of ``keys`` (the first on a tie)."""
    objects = json_objects(text)
    if not objects:
        return None
    return max(objects, key=lambda o: sum(not is_missing(find_key(o, k)) for k in keys))
