"""Near-duplicate removal across the whole dataset with MinHash + LSH (datasketch).

Each row becomes a set of word shingles (``shingle_words`` consecutive words of its
normalised text). LSH over MinHash signatures proposes candidate pairs without comparing
every pair; each candidate is then confirmed with the exact Jaccard similarity of the two
shingle sets (kept as sorted 32-bit hashes, ~4 bytes per shingle). Because every candidate is
confirmed, the LSH bands are tuned to miss few true pairs (false negatives weigh 0.95) rather
than datasketch's balanced default, which finds only ~40% of pairs at exactly the threshold.

Rows are visited in order and each is checked against the rows kept so far, so the first row
of each cluster is the one kept.

Shingles are 2 words by default because task rows are short (a ticket, a caption, a
question): one changed word in a 30-word row leaves Jaccard 27/31 = 0.87 with 2-word
shingles, 25/31 = 0.81 with 3 and 21/31 = 0.68 with 5, so larger shingles would let
one-word variants through at the usual 0.8 threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from .report import FilterReport, _Collector
from .text import row_id, row_text, words

if TYPE_CHECKING:
    import numpy as np

R = TypeVar("R")


def shingles(text: str, n: int) -> set[bytes]:
    """Word n-grams of the normalised text; a text shorter than ``n`` words is one shingle."""
    w = words(text)
    if not w:
        return set()
    if len(w) <= n:
        return {" ".join(w).encode("utf-8")}
    return {" ".join(w[i : i + n]).encode("utf-8") for i in range(len(w) - n + 1)}


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    """Exact Jaccard similarity of two shingle sets (the quantity MinHash estimates)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _identity(h: int) -> int:
    # Shingles are hashed once (below) and the hashes fed to MinHash as they are.
    return h


def _hashed(s: set[bytes]) -> np.ndarray:
    from datasketch.hashfunc import sha1_hash32

    return np.unique(np.fromiter((sha1_hash32(x) for x in s), dtype=np.uint32, count=len(s)))


def _exact(a: np.ndarray, b: np.ndarray) -> float:
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def dedup_near(
    rows: Sequence[R],
    *,
    threshold: float = 0.8,
    shingle_words: int = 2,
    num_perm: int = 128,
    fields: Sequence[str] | None = None,
    seed: int = 1,
    lsh_weights: tuple[float, float] = (0.05, 0.95),
) -> tuple[list[R], FilterReport]:
    """Remove rows whose shingle-set Jaccard similarity with an earlier kept row is at least
    ``threshold``.

    ``lsh_weights`` (false positive, false negative) tunes the LSH bands (see the module
    docstring). Rows with no words are kept and left to the exact-duplicate filter.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=lsh_weights)
    out = _Collector(
        "near_duplicates",
        len(rows),
        rule=(
            f"Jaccard >= {threshold} on {shingle_words}-word shingles (MinHash/LSH candidates, "
            f"num_perm={num_perm}, confirmed exactly); first row of each cluster kept"
        ),
    )
    template = MinHash(num_perm=num_perm, seed=seed, hashfunc=_identity)
    kept_hashes: dict[int, np.ndarray] = {}
    ids: list[str] = []
    kept: list[R] = []
    for i, row in enumerate(rows):
        rid = row_id(row, i)
        ids.append(rid)
        s = shingles(row_text(row, fields), shingle_words)
        if not s:
            kept.append(row)
            continue
        hashes = _hashed(s)
        m = template.copy()  # shares the permutations: they are drawn once, not per row
        m.update_batch(hashes.tolist())
        match = next((c for c in sorted(lsh.query(m)) if _exact(kept_hashes[c], hashes) >= threshold), None)
        if match is None:
            lsh.insert(i, m, check_duplication=False)
            kept_hashes[i] = hashes
            kept.append(row)
        else:
            out.remove(rid, "near_duplicate", matched=ids[match])
    return kept, out.report
