"""Text → feature matrix for the linear classifiers: TF-IDF n-grams or sentence embeddings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ..embeddings import embed_texts
from ..errors import TaskladderError

if TYPE_CHECKING:
    from ..embeddings import EmbeddingCache


class Featurizer(Protocol):
    kind: str

    def fit_transform(self, texts: list[str]) -> Any: ...

    def transform(self, texts: list[str]) -> Any: ...


class TfidfFeatures:
    """Word 1–2 grams with sublinear tf: the classic strong linear text baseline."""

    kind = "TF-IDF word 1-2 grams"

    def fit_transform(self, texts: list[str]) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        # Single-character tokens kept: digits and short codes often carry the label.
        self._vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
        )
        try:
            return self._vectorizer.fit_transform(texts)
        except ValueError:  # sklearn: "empty vocabulary"
            raise TaskladderError(
                "the training inputs contain no words, so TF-IDF has nothing to learn from; "
                "check the task's input fields"
            ) from None

    def transform(self, texts: list[str]) -> Any:
        return self._vectorizer.transform(texts)


class EmbedFeatures:
    """all-MiniLM-L6-v2 sentence embeddings (L2-normalised, cached by content hash in ``cache``,
    else in the settings' embeddings cache). ``model``: another sentence-transformers name or
    folder (a tuned or mixed MiniLM), cached under its own name."""

    kind = "all-MiniLM-L6-v2 embeddings"

    def __init__(self, cache: "EmbeddingCache | None" = None, model: str | None = None):
        self.cache = cache
        self.model = model
        if model is not None:
            self.kind = f"embeddings of {model}"

    def fit_transform(self, texts: list[str]) -> Any:
        return self.transform(texts)

    def transform(self, texts: list[str]) -> Any:
        if self.model is None:
            return embed_texts(texts, cache=self.cache)
        return embed_texts(texts, model=self.model, cache=self.cache)
