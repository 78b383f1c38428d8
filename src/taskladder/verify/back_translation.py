"""Back-translation as a quality signal for translation outputs.

Translate the candidate back into the source language and compare with the source: a
translation that lost or invented meaning comes back different. The comparison is chrF++
(surface overlap, no model needed) or the cosine similarity of sentence embeddings from an
injected ``embed(texts) -> array`` (robust to paraphrase). Both are returned on 0–1 so one
threshold reads the same for either.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .chrf import chrf
from .result import VerifyResult

Embed = Callable[[list[str]], "np.ndarray"]


def back_translation_score(source: str, back_translated: str, *, embed: Embed | None = None) -> float:
    """Similarity in [0, 1] between the source and its back-translation (chrF++/100 or cosine)."""
    if embed is None:
        return chrf(back_translated, source) / 100.0
    vecs = np.asarray(embed([source, back_translated]), dtype=float)
    a, b = vecs[0], vecs[1]
    denom = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.clip(a @ b / denom, -1.0, 1.0)) if denom > 0 else 0.0


class BackTranslationVerifier:
    """Passes a candidate translation when its back-translation scores >= ``threshold``.

    ``back_translate(text) -> text`` is injected (an LLM or MT model call the caller owns).
    """

    def __init__(
        self, source: str, back_translate: Callable[[str], str], *, threshold: float = 0.5, embed: Embed | None = None,
    ):
        self.source, self.back_translate, self.threshold, self.embed = source, back_translate, threshold, embed

    def __call__(self, candidate: str) -> VerifyResult:
        back = self.back_translate(candidate)
        score = back_translation_score(self.source, back, embed=self.embed)
        ok = score >= self.threshold
        detail = "" if ok else f"back-translation similarity {score:.2f} < {self.threshold:.2f}"
        return VerifyResult(passed=ok, score=score, detail=detail, info={"back_translation": back})
