"""Free-text consensus: the medoid of the largest group of similar samples."""

from __future__ import annotations

import numpy as np

from taskladder.sampling import jaccard, text_consensus

MAJORITY = [
    "The meeting is moved to Friday at 10am in room 4.",
    "Meeting moved to Friday 10am, room 4.",
    "The meeting has been moved to Friday at 10am in room 4.",
    "The meeting is now on Friday at 10am in room 4.",
]
MINORITY = ["The meeting is cancelled.", "Meeting cancelled, no new date."]


def test_largest_group_wins_and_medoid_is_most_typical():
    texts = [MINORITY[0], MAJORITY[1], "Bananas are yellow.", MAJORITY[0], MINORITY[1], MAJORITY[2], MAJORITY[3]]
    res = text_consensus(texts, threshold=0.4)
    assert set(res.group) == {1, 3, 5, 6}
    assert res.index in res.group and res.text == texts[res.index]
    assert res.support == 4 / 7 and res.group_size == 4
    # the medoid maximises mean similarity to the rest of its group
    means = {k: np.mean([jaccard(texts[k], texts[j]) for j in res.group if j != k]) for k in res.group}
    assert res.index == max(means, key=means.get)


def test_chrf_similarity_and_injected_embeddings():
    texts = [MINORITY[0], *MAJORITY]
    res = text_consensus(texts, similarity="chrf", threshold=0.5)
    assert res.index != 0 and 0 not in res.group and res.group_size >= 3

    def fake_embed(batch):  # "cancel" texts on one axis, the rest on another
        return np.array([[1.0, 0.1] if "cancel" in t else [0.1, 1.0] for t in batch])

    res = text_consensus([MINORITY[0], MINORITY[1], MAJORITY[0]], embed=fake_embed, threshold=0.9)
    assert set(res.group) == {0, 1}


def test_abstentions_and_empty():
    assert text_consensus([None, "  "]).text is None
    res = text_consensus([None, "only answer"])
    assert res.index == 1 and res.n == 2 and res.support == 0.5
