"""Output: each paragraph must be in the expected language.

Catches a model that drifts from Spanish back into English halfway through an answer.
Language identification uses py3langid (langid.py's naive-Bayes model over byte n-grams,
97 languages, BSD licence): it is deterministic, needs no network, and identifies a
paragraph in tens of microseconds. Restricting it to a candidate set (the configured
languages plus the expected one) keeps short paragraphs from being read as a rare language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ...errors import ConfigError
from ..config import LanguageConfig
from ..decision import Edit, Finding
from ..text import TextView
from .base import Check

_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?![ \t]*\n))+")


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]) -> Any:
    """One identifier per candidate set, loaded once (~0.5 s) and never changed afterwards."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError("the language check needs the py3langid package: pip install py3langid") from None
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    try:
        ident.set_languages(list(languages))
    except ValueError as exc:
        raise ConfigError(f"guard language check: {exc}; use ISO 639-1 codes such as en, es, fr, de") from None
    return ident


def identify(text: str, candidates: list[str]) -> tuple[str, float]:
    """(language code, probability) of ``text`` among ``candidates``."""
    lang, prob = _identifier(tuple(sorted(set(candidates)))).classify(text)
    return str(lang), float(prob)


def paragraphs(text: str, min_chars: int) -> list[tuple[int, int]]:
    """Spans of blank-line-separated paragraphs worth judging: long enough, mostly letters,
    and not code (a fenced block or a line of symbols is not in any natural language)."""
    spans = []
    for m in _PARAGRAPH.finditer(text):
        chunk = m.group().strip()
        if len(chunk) < min_chars or chunk.startswith("```"):
            continue
        letters = sum(ch.isalpha() for ch in chunk)
        if letters < 0.5 * len(chunk):
            continue
        spans.append((m.start(), m.end()))
    return spans


class LanguageCheck(Check[LanguageConfig]):
    name = "language"

    def find(self, view: TextView) -> list[Finding]:
        expected = (view.expected_language or self.config.expected or "").lower()
        if not expected:
            return []
        candidates = [*self.config.candidates, expected]
        out = []
        for start, end in paragraphs(view.text, self.config.min_chars):
            lang, prob = identify(view.text[start:end], candidates)
            if lang != expected and prob >= self.config.threshold:
                out.append(self.finding(span=(start, end), score=round(prob, 4),
                                        message=f"paragraph is in {lang!r} (p={prob:.2f}), expected {expected!r}"))
        return out

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        return [Edit(start=f.span[0], end=f.span[1]) for f in findings if f.span]
