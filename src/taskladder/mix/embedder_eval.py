"""Scores of one embedding model folder: task accuracy through the embed-lr head, and STS-B
Spearman as the general score (what the model could do before the narrow tuning)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from ..baselines.builtin import EMBED_C
from ..errors import DataError

STS_SCALE = 100.0  # Spearman reported x100, as the STS-B literature does


def read_sts_pairs(path: Path, limit: int | None = None) -> list[tuple[str, str, float]]:
    """STS-B style rows ``sentence1,sentence2,score`` (a header row is skipped)."""
    pairs = []
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh), start=1):
            if len(row) != 3:
                raise DataError(str(path), f"expected sentence1,sentence2,score, got {len(row)} columns", row=i)
            try:
                pairs.append((row[0], row[1], float(row[2])))
            except ValueError:
                if i == 1:
                    continue  # header
                raise DataError(str(path), f"score {row[2]!r} is not a number", row=i, field="score") from None
    return pairs[:limit] if limit else pairs


def load_encoder(folder: Path | str) -> Any:
    """A fresh SentenceTransformer from ``folder`` (not the process-wide cached one: mixes change)."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def encode(encoder: Any, texts: list[str]) -> np.ndarray:
    return np.asarray(encoder.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                                     show_progress_bar=False), dtype=np.float32)


def sts_spearman(encoder: Any, pairs: list[tuple[str, str, float]]) -> float:
    from scipy.stats import spearmanr

    left, right = encode(encoder, [p[0] for p in pairs]), encode(encoder, [p[1] for p in pairs])
    cosine = (left * right).sum(axis=1)
    return float(spearmanr(cosine, [p[2] for p in pairs]).statistic) * STS_SCALE


def head_accuracies(encoder: Any, train: tuple[list[str], list[str]],
                    evals: list[tuple[list[str], list[str]]]) -> list[float]:
    """Fit embed-lr's logistic regression on ``train`` embeddings; accuracy (%) on each eval set."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        clf = LogisticRegression(C=EMBED_C, max_iter=2000, random_state=0)
        clf.fit(encode(encoder, train[0]), train[1])
        return [100.0 * float(np.mean(clf.predict(encode(encoder, texts)) == np.asarray(labels, dtype=object)))
                for texts, labels in evals]
