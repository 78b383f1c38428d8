"""Consensus for free text: group similar samples, return the medoid of the largest group.

Grouping rule: two samples are neighbours when their similarity is >= ``threshold``. The
largest group is the sample with the most neighbours together with those neighbours (ties:
earliest sample), a one-pass "leader" grouping that cannot chain unrelated texts together
the way connected components can. Its medoid (highest mean similarity to the other members)
is the most typical answer of the majority.

Similarities: token Jaccard (cheap, default), chrF++ (symmetrised: the mean of both
directions, since chrF weights recall over precision), or cosine of embeddings from an
injected ``embed(texts) -> array`` function (for example ``taskladder.embeddings.embed_texts``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel

from ..textsim import chrf

Embed = Callable[[list[str]], "np.ndarray"]
_TOKEN = re.compile(r"\w+", re.UNICODE)


class ConsensusResult(BaseModel):
    text: str | None
    index: int | None  # position of the medoid among the samples
    group: list[int]  # members of the largest group
    group_size: int
    n: int
    support: float  # group_size / n: the agreement, a confidence signal like the vote margin


def jaccard(a: str, b: str) -> float:
    ta, tb = set(_TOKEN.findall(a.casefold())), set(_TOKEN.findall(b.casefold()))
    if not ta and not tb:
        return 1.0
    return len(ta & tb) / len(ta | tb)


def similarity_matrix(
    texts: Sequence[str], *, similarity: Literal["jaccard", "chrf"] | Callable[[str, str], float] = "jaccard",
    embed: Embed | None = None,
) -> np.ndarray:
    """Symmetric pairwise similarities in [0, 1] (1 on the diagonal)."""
    n = len(texts)
    if embed is not None:
        vecs = np.asarray(embed(list(texts)), dtype=float)
        vecs = vecs / np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)
        sim = np.clip(vecs @ vecs.T, -1.0, 1.0)
        np.fill_diagonal(sim, 1.0)
        return sim
    if similarity == "jaccard":
        fn: Callable[[str, str], float] = jaccard
    elif similarity == "chrf":
        def fn(a: str, b: str) -> float:
            return (chrf(a, b) + chrf(b, a)) / 200.0
    elif callable(similarity):
        fn = similarity
    else:
        raise ValueError(f"unknown similarity '{similarity}'; use 'jaccard', 'chrf', a callable, or embed=")
    sim = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            sim[i, j] = sim[j, i] = fn(texts[i], texts[j])
    return sim


def text_consensus(
    texts: Sequence[str | None], *, threshold: float = 0.5,
    similarity: Literal["jaccard", "chrf"] | Callable[[str, str], float] = "jaccard", embed: Embed | None = None,
) -> ConsensusResult:
    """Medoid of the largest group of mutually similar samples (None/empty samples abstain)."""
    keep = [k for k, t in enumerate(texts) if t is not None and str(t).strip()]
    n = len(texts)
    if not keep:
        return ConsensusResult(text=None, index=None, group=[], group_size=0, n=n, support=0.0)
    kept = [str(texts[k]) for k in keep]
    sim = similarity_matrix(kept, similarity=similarity, embed=embed)
    neighbours = sim >= threshold
    np.fill_diagonal(neighbours, True)
    leader = int(np.argmax(neighbours.sum(axis=1)))  # argmax takes the earliest on ties
    members = np.flatnonzero(neighbours[leader])
    sub = sim[np.ix_(members, members)]
    mean_sim = (sub.sum(axis=1) - 1.0) / max(1, len(members) - 1)
    medoid = int(members[int(np.argmax(mean_sim))])
    group = [keep[int(m)] for m in members]
    return ConsensusResult(
        text=kept[medoid], index=keep[medoid], group=group, group_size=len(group), n=n, support=len(group) / n,
    )
