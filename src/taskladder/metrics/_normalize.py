"""Text, number and JSON normalisation shared by the metrics.

Models answer with stray case, quotes, full-width characters and trailing full stops that
no human grader would count against them; normalising first makes "exact" match mean
"the same answer", not "the same bytes".
"""

from __future__ import annotations

import json
import math
import re
import string
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

_WS = re.compile(r"\s+")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
# Thousands separators only where they really separate thousands: "1,234.5" but not "1,2".
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_EXTRA_PUNCT = set("`´^")  # symbol-category characters models use as quotes


def as_text(value: Any) -> str:
    """Render a field value as text; integral floats lose their ".0" so 3.0 reads as "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P") or ch in _EXTRA_PUNCT


def normalize_text(value: Any) -> str:
    """NFKC, casefold, collapse whitespace, strip surrounding punctuation and quotes.

    Punctuation inside the answer stays ("U.S.A" keeps its inner dots). An answer made only
    of punctuation keeps it, so "?" and "!" remain different answers.
    """
    return _normalize_str(as_text(value))


@lru_cache(maxsize=65536)
def _normalize_str(raw: str) -> str:
    # Cached: labels repeat thousands of times across a split and its resamples.
    text = _WS.sub(" ", unicodedata.normalize("NFKC", raw).casefold()).strip()
    start, end = 0, len(text)
    while start < end and (_is_punct(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (_is_punct(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end] if end > start else text


def squad_tokens(value: Any) -> list[str]:
    """SQuAD answer normalisation (lower, drop punctuation and English articles), then split.

    Unicode-aware: NFKC and casefold first, and every Unicode punctuation character is
    dropped, not only ASCII ``string.punctuation``.
    """
    text = unicodedata.normalize("NFKC", as_text(value)).casefold()
    text = "".join(" " if (_is_punct(ch) or ch in string.punctuation) else ch for ch in text)
    text = _ARTICLES.sub(" ", text)
    return text.split()


def token_f1(predicted: Any, expected: Any) -> float:
    pred, gold = squad_tokens(predicted), squad_tokens(expected)
    if not pred or not gold:
        # Both empty (e.g. the gold answer is only an article): agreement; one empty: none.
        return float(pred == gold)
    common = Counter(pred) & Counter(gold)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(gold)
    return 2 * precision * recall / (precision + recall)


def parse_numbers(value: Any) -> list[float]:
    """Candidate numeric readings of a value; empty when it is not a number.

    Accepts "1,234.5", "$3", "-€4.50", "42%", "−7" (Unicode minus), " 3 ". A percentage
    yields both its written number and its fraction (42 and 0.42), because gold answers
    are written either way and both mean the same quantity.
    """
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("\u2212", "-")
    sign = ""
    if text and text[0] in "+-":
        sign, text = text[0], text[1:].lstrip()
    # Currency symbols (Unicode category Sc) before or after the number.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Sc").strip()
    if text and text[0] in "+-" and not sign:
        sign, text = text[0], text[1:].lstrip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    text = sign + text
    if "," in text:
        if not _THOUSANDS.match(text):
            return []
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return []
    if math.isnan(number):
        return []
    return [number, number / 100] if percent else [number]


def numbers_match(predicted: Any, expected: Any, tolerance: float | None = None) -> bool:
    """Whether a predicted value equals the expected number.

    ``tolerance`` is the field's absolute tolerance; without one, a tight relative-or-absolute
    tolerance of 1e-6 only forgives float round-off.
    """
    golds = parse_numbers(expected)
    if not golds:
        return False
    gold = golds[0]
    for cand in parse_numbers(predicted):
        if tolerance is not None:
            if abs(cand - gold) <= tolerance:
                return True
        elif math.isclose(cand, gold, rel_tol=1e-6, abs_tol=1e-6):
            return True
    return False


def _json_value(value: Any) -> Any:
    """A model often returns JSON as a string; parse it when it is one."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (json.JSONDecodeError, ValueError):
            return value
    return value


def _plain_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return None if math.isnan(number) else number
    return None


def json_equal(predicted: Any, expected: Any) -> bool:
    """Deep equality after normalising: keys and strings as in ``normalize_text``, numbers
    by value (``"3"`` equals ``3``), list order kept (order is usually meaningful).

    Only the top level is parsed from a JSON string: a nested ``"null"`` stays text.
    """
    return _deep_equal(_json_value(predicted), _json_value(expected))


def _deep_equal(a: Any, b: Any) -> bool:
    if isinstance(b, dict):
        if not isinstance(a, dict):
            return False
        na = {normalize_text(k): v for k, v in a.items()}
        nb = {normalize_text(k): v for k, v in b.items()}
        return na.keys() == nb.keys() and all(_deep_equal(na[k], nb[k]) for k in nb)
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(map(_deep_equal, a, b))
    if isinstance(b, bool) or isinstance(a, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if b is None or a is None:
        return a is None and b is None
    if isinstance(a, (dict, list)):
        return False
    number_a, number_b = _plain_number(a), _plain_number(b)
    if number_a is not None and number_b is not None:
        return math.isclose(number_a, number_b, rel_tol=1e-9, abs_tol=1e-12)
    return normalize_text(a) == normalize_text(b)
