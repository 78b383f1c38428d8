"""Turn sampled answers into vote keys: labels, numbers, and extracted final answers.

A normaliser maps one raw answer to a hashable key, or to None when the answer carries no
usable vote (an unparseable number, a label outside the allowed set); None abstains.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

_WS = re.compile(r"\s+")
_EDGE_PUNCT = " \t\n\r\"'`.,;:!?()[]{}*_"


def normalise_label(text: object, labels: Sequence[str] | None = None) -> str | None:
    """Casefold, trim quotes/punctuation/markdown, collapse spaces.

    With ``labels``, return the canonical spelling of the matching label, or None (abstain)
    when the answer is not one of them.
    """
    if text is None:
        return None
    key = _WS.sub(" ", str(text)).strip(_EDGE_PUNCT).casefold()
    if not key:
        return None
    if labels is None:
        return key
    canon = {_WS.sub(" ", lab).strip(_EDGE_PUNCT).casefold(): lab for lab in labels}
    return canon.get(key)


_NUMBER = re.compile(r"[-−]?\$?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?|[-−]?\.\d+")


def _to_decimal(token: str) -> Decimal | None:
    tok = token.replace("−", "-").replace("$", "").replace(",", "").replace(" ", "")
    try:
        if "/" in tok:
            num, den = tok.split("/")
            return Decimal(num) / Decimal(den) if Decimal(den) != 0 else None
        return Decimal(tok)
    except (InvalidOperation, ValueError):
        return None


def _canonical(d: Decimal) -> str:
    # Rounding at 1e-9 removes float noise (0.1 + 0.2) without merging distinct answers.
    if abs(d) < Decimal(10) ** 15:
        d = d.quantize(Decimal("1e-9"))
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def normalise_number(text: object) -> str | None:
    """The last number in the text as a canonical string ('1,234.50' -> '1234.5', '3/4' -> '0.75').

    The *last* number because chain-of-thought answers end with the result. Canonical strings
    rather than floats so votes compare exactly and print without float noise.
    """
    if text is None:
        return None
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        return _canonical(Decimal(str(text)))
    matches = _NUMBER.findall(str(text))
    for token in reversed(matches):
        value = _to_decimal(token)
        if value is not None:
            return _canonical(value)
    return None


def _last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` (or ``\\fbox{...}``), with nested braces."""
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    k = text.index("{", start) + 1
    depth, begin = 1, k
    while k < len(text):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return text[begin:k].strip()
        k += 1
    return None


_HASHES = re.compile(r"####\s*(.+)")
_ANSWER_IS = re.compile(
    r"(?:final answer|the answer|answer)\s*(?:is|:|=)\s*[:\s]*(.+?)(?:\.\s|\.?$|\n)", re.IGNORECASE | re.MULTILINE
)


def extract_final_answer(text: object) -> str | None:
    """The stated final answer: ``\\boxed{..}``, else ``#### ..``, else "the answer is ..".

    The last occurrence wins, because models restate and correct themselves. None when no
    marker is present (the caller decides whether to fall back to, say, the last number).
    """
    if text is None:
        return None
    s = str(text)
    boxed = _last_boxed(s)
    if boxed:
        return boxed
    hashes = _HASHES.findall(s)
    if hashes:
        return hashes[-1].strip()
    said = _ANSWER_IS.findall(s)
    if said:
        return said[-1].strip().strip(_EDGE_PUNCT) or None
    return None


def normalise_final_answer(text: object) -> str | None:
    """Extract the final answer, then normalise it as a number when it is one, else as a label.

    Falls back to the last number in the text when no final-answer marker is present, the
    usual convention for grade-school maths (GSM8K) chains of thought.
    """
    answer = extract_final_answer(text)
    if answer is None:
        return normalise_number(text)
    number = normalise_number(answer)
    if number is not None and re.fullmatch(r"[\s$−\-+\d.,/%]*(?:[a-zA-Z]+)?\.?\s*", answer):
        return number  # "42", "$1,200", "18 dollars": the number is the answer
    return normalise_label(answer)
