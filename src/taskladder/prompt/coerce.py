"""Turn a raw answer value into the typed value of its output field.

Each coercer returns ``(value, None)`` or ``(None, error)``; none raises on model output.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from .extract import is_missing, loads_whole, unfence

_QUOTES = "\"'`“”‘’«»*"
_PREFIX = re.compile(
    r"^(?:the\s+)?(?:final\s+|correct\s+)?(?:answer|label|category|class|intent|output|prediction|result)"
    r"\s*(?:is|:|=|-)\s*",
    re.I,
)
_SEPARATORS = re.compile(r"[\s_\-]+")
_NUMBER = re.compile(r"(?<![A-Za-z_\d.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_MARKERS = re.compile(r"####|\\boxed\{|answer\s*(?:is|:|=)", re.I)


def clean(text: str) -> str:
    """Strip whitespace, wrapping quotes/backticks/bold and one trailing period."""
    text = text.strip()
    for _ in range(3):
        stripped = text.strip().strip(_QUOTES).strip()
        if stripped.endswith(".") and not stripped.endswith(".."):
            stripped = stripped[:-1].rstrip()
        if stripped == text:
            break
        text = stripped
    return text


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _loose_key(text: str) -> str:
    # Also treats '_', '-' and spaces alike: "Card Arrival" → card_arrival.
    return _SEPARATORS.sub(" ", text.casefold()).strip()


@functools.lru_cache(maxsize=64)
def _label_tables(labels: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str], list[tuple[str, re.Pattern[str]]]]:
    strict = {_key(label): label for label in labels}
    loose_count: dict[str, int] = {}
    for label in labels:
        loose_count[_loose_key(label)] = loose_count.get(_loose_key(label), 0) + 1
    # A loose form shared by two labels would be ambiguous: only unique ones map.
    loose = {_loose_key(lb): lb for lb in labels if loose_count[_loose_key(lb)] == 1}
    patterns = [
        (label, re.compile(r"(?<![\w])" + r"[\s_\-]+".join(map(re.escape, _loose_key(label).split())) + r"(?![\w])"))
        for label in labels
        if _loose_key(label)
    ]
    return strict, loose, patterns


def coerce_label(value: Any, allowed: list[str] | None, field: str) -> tuple[Any, str | None]:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = clean(text)
    if not allowed:
        return (text, None) if text else (None, f"field '{field}': empty label")
    strict, loose, patterns = _label_tables(tuple(allowed))
    for candidate in (text, clean(_PREFIX.sub("", text))):
        if _key(candidate) in strict:
            return strict[_key(candidate)], None
        if _loose_key(candidate) in loose:
            return loose[_loose_key(candidate)], None
    # Prose that names exactly one allowed label ("It is card_arrival, since ...").
    hay = text.casefold()
    hits = [label for label, pat in patterns if pat.search(hay)]
    # A label inside a longer hit ("card" in "card arrival") is not a separate mention.
    hits = [h for h in hits if not any(h != o and _loose_key(h) in _loose_key(o) for o in hits)]
    if len(hits) == 1:
        return hits[0], None
    shown = text if len(text) <= 60 else text[:57] + "..."
    if len(hits) > 1:
        return None, f"field '{field}': reply names several labels ({', '.join(hits[:5])}); expected exactly one"
    return None, f"field '{field}': '{shown}' is not one of the {len(allowed)} allowed labels"


def coerce_number(value: Any, field: str) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, f"field '{field}': expected a number, got {json.dumps(value)}"
    if isinstance(value, (int, float)):
        return _tidy(float(value) if isinstance(value, float) else value), None
    if not isinstance(value, str):
        return None, f"field '{field}': expected a number, got {json.dumps(value, ensure_ascii=False)[:60]}"
    text = value.replace("−", "-").replace("\u00a0", " ")
    text = re.sub(r"[$€£¥%]", "", text)
    text = re.sub(r"-\s+(?=\d)", "-", text)
    text = _THOUSANDS.sub("", text)
    marks = list(_MARKERS.finditer(text))
    if marks:
        after = _NUMBER.search(text, marks[-1].end())
        if after:
            return _to_number(after.group()), None
    found = [_to_number(m.group()) for m in _NUMBER.finditer(text)]
    distinct = list(dict.fromkeys(found))
    if len(distinct) == 1:
        return distinct[0], None
    shown = value.strip()[:60]
    if not distinct:
        return None, f"field '{field}': no number in '{shown}'"
    listed = ", ".join(str(d) for d in distinct[:5])
    return None, f"field '{field}': ambiguous, the reply has several numbers ({listed}); expected one"


def _to_number(token: str) -> int | float:
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    return _tidy(float(token))


def _tidy(number: int | float) -> int | float:
    # Integral floats become ints, as the task loader stores them, so 42.0 == 42 compares alike.
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


def coerce_json(value: Any, field: str) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return value, None
    body = unfence(value)
    if body[:1] in "{[":
        parsed = loads_whole(body)
        if is_missing(parsed):
            return None, f"field '{field}': not valid JSON: '{body[:60]}'"
        return parsed, None
    return value, None


def coerce_text(value: Any, field: str) -> tuple[Any, str | None]:
    if isinstance(value, str):
        return value.strip(), None
    if value is None:
        return None, f"field '{field}': null value"
    return json.dumps(value, ensure_ascii=False), None


def coerce(value: Any, kind: str, field: str, allowed: list[str] | None) -> tuple[Any, str | None]:
    if kind == "label":
        return coerce_label(value, allowed, field)
    if kind == "number":
        return coerce_number(value, field)
    if kind == "json":
        return coerce_json(value, field)
    return coerce_text(value, field)
