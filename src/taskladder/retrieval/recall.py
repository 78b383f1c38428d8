"""recall@k: how often retrieval finds the evidence the data says the answer rests on."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel

from ..task import Example
from .base import Retriever
from .gold import example_recall, gold_from_extra


def key_matches(key: str, chunk_id: str) -> bool:
    """A gold key names a chunk (``doc#3``), a document (``doc``: any of its chunks) or a
    folder (``docs/``: any chunk of a document under it)."""
    if key.endswith("/"):
        return chunk_id.startswith(key)
    return chunk_id == key or chunk_id.startswith(key + "#")


def recall_at_k(retrieved: Sequence[Sequence[str]], gold: Sequence[set[str]], k: int) -> float:
    """Mean over queries of the share of their gold keys matched by a top-``k`` chunk id.

    ``retrieved[i]`` is query i's ranked chunk ids, ``gold[i]`` its gold keys (see
    ``key_matches``). Queries with no gold are left out of the mean; NaN when none has any.
    """
    if len(retrieved) != len(gold):
        raise ValueError(f"{len(retrieved)} retrieved lists for {len(gold)} gold sets")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    shares = []
    for ids, keys in zip(retrieved, gold):
        if not keys:
            continue
        top = list(ids)[:k]
        shares.append(sum(any(key_matches(key, i) for i in top) for key in keys) / len(keys))
    return sum(shares) / len(shares) if shares else math.nan


class RecallReport(BaseModel):
    k: int
    recall: float  # mean over the examples that have gold
    n: int  # examples with gold
    per_example: dict[str, float]  # example id -> its recall


def retrieval_recall(examples: Sequence[Example], retriever: Retriever, k: int | None = None) -> RecallReport | None:
    """recall@k of ``retriever`` on the examples whose rows name gold sources or passages
    (see ``gold``), querying with each example's input text; None when none does."""
    k = retriever.k if k is None else k
    golds = [(e, gold_from_extra(e.extra)) for e in examples]
    with_gold = [(e, g) for e, g in golds if g is not None]
    if not with_gold:
        return None
    results = retriever.search_many([e.input_text() for e, _ in with_gold], k)
    per_example = {
        e.id: example_recall(g, [hit.chunk for hit in hits]) for (e, g), hits in zip(with_gold, results)
    }
    return RecallReport(k=k, recall=sum(per_example.values()) / len(per_example), n=len(per_example),
                        per_example=per_example)
