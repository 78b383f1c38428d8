"""Macro-F1 over label classes: a metric that is not a mean over examples."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._base import Output
from ._builtin import Accuracy
from ._labels import NO_ANSWER, encode_labels


class MacroF1(Accuracy):
    """Unweighted mean of per-class F1 over the labels present in gold ∪ predicted.

    The per-example score is plain correctness (what a single record can carry); the split
    score comes from ``aggregate``. A missing prediction counts as wrong for its gold class
    but is not averaged as a class of its own, so parse failures lower recall without adding
    a phantom zero-F1 class that would appear or vanish with the first failure.
    """

    name = "macro_f1"
    decomposable = False

    def aggregate(self, predicted: list[Output | None], expected: list[Output]) -> float:
        from sklearn.metrics import f1_score

        if not expected:
            return float("nan")
        gold, pred, _ = encode_labels(self.field, predicted, expected, self.name)
        labels = np.union1d(gold, pred[pred != NO_ANSWER])
        return float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0))

    def resampler(
        self, predicted: list[Output | None], expected: list[Output]
    ) -> Callable[[np.ndarray], np.ndarray]:
        """Vectorised: class counts of every resample from one sparse product.

        Each resample is a vector of example multiplicities (one ``bincount`` per block);
        times a sparse (examples x 3k) indicator matrix of gold class, predicted class and
        correct-in-class, it gives each resample's gold, predicted and true-positive counts.
        F1 of a class is 2·TP / (predicted + gold count), as sklearn computes it; classes
        with neither gold nor predicted examples in a resample are left out, as
        ``aggregate`` leaves out labels absent from gold ∪ predicted.
        """
        from scipy.sparse import csr_matrix

        gold, pred, names = encode_labels(self.field, predicted, expected, self.name)
        n, k = len(gold), max(len(names), 1)
        answered = pred != NO_ANSWER
        hit = answered & (pred == gold)
        rows = np.concatenate([np.arange(n), np.flatnonzero(answered), np.flatnonzero(hit)])
        cols = np.concatenate([gold, k + pred[answered], 2 * k + gold[hit]])
        indicator = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, 3 * k)).T.tocsr()

        def macro_f1_rows(idx: np.ndarray) -> np.ndarray:
            b = idx.shape[0]
            offset = (np.arange(b, dtype=np.int64) * n)[:, None]
            weights = np.bincount((idx + offset).ravel(), minlength=b * n).reshape(b, n)
            counts = (indicator @ weights.T.astype(float)).T  # (b, 3k)
            gold_n, pred_n, tp = counts[:, :k], counts[:, k : 2 * k], counts[:, 2 * k :]
            denom = gold_n + pred_n
            present = denom > 0
            f1 = np.divide(2 * tp, denom, out=np.zeros(denom.shape), where=present)
            return f1.sum(axis=1) / np.maximum(present.sum(axis=1), 1)

        return macro_f1_rows
