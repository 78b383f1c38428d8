"""The manual-QA example and ``build_retriever_for_task``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from taskladder.errors import ConfigError, TaskladderError
from taskladder.models.config import load_models
from taskladder.models.scripted import build_responder
from taskladder.prompt import render_messages
from taskladder.retrieval import (
    BM25Retriever,
    HybridRetriever,
    build_retriever_for_task,
    context_for,
    gold_from_extra,
    passage_matches,
    retrieval_recall,
    source_matches,
)
from taskladder.task import load_task

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "manual_qa"


@pytest.fixture(scope="module")
def task():
    return load_task(EXAMPLE / "task.yaml")


def _all(task):
    return task.train + task.dev + task.test


def test_example_task_loads_with_gold_for_every_row(task):
    rows = _all(task)
    assert len(rows) >= 40 and task.dev and task.test
    assert task.spec.documents == ["docs/"]
    assert all(gold_from_extra(e.extra) is not None for e in rows)


@pytest.mark.parametrize("chunking", ["tokens", "sections"])
def test_every_gold_source_and_passage_exists_in_the_chunks(task, chunking):
    retriever = build_retriever_for_task(task, {"chunking": chunking, "size": 120, "overlap": 20})
    chunks = retriever.chunks
    assert {c.doc_id for c in chunks} == {
        "docs/getting_started.md", "docs/wifi_and_app.md", "docs/schedules.html",
        "docs/troubleshooting.md", "docs/specifications.txt",
    }
    for example in _all(task):
        gold = gold_from_extra(example.extra)
        assert all(any(source_matches(s, c) for c in chunks) for s in gold.sources), example.id
        if chunking == "sections":
            # Sections never cut a short paragraph, so each passage sits inside one chunk.
            assert all(any(passage_matches(p, c) for c in chunks) for p in gold.passages), example.id


def test_bm25_retrieval_finds_most_gold_evidence(task):
    retriever = build_retriever_for_task(task, {"strategy": "bm25", "k": 4, "chunking": "sections"})
    assert isinstance(retriever, BM25Retriever) and retriever.k == 4
    at4 = retrieval_recall(_all(task), retriever)
    at1 = retrieval_recall(_all(task), retriever, k=1)
    assert at4.n == len(_all(task))
    assert at4.recall >= at1.recall and at4.recall > 0.8


def test_hybrid_strategy_builds_with_an_injected_embedder(task):
    import numpy as np

    def embed(texts):
        return np.array([[len(t) % 7 + 1.0, t.count("e") + 1.0, 1.0] for t in texts], dtype=np.float32)

    retriever = build_retriever_for_task(task, {"strategy": "hybrid", "k": 3}, embed_fn=embed)
    assert isinstance(retriever, HybridRetriever)
    assert len(retriever.search(task.dev[0].input_text())) == 3


def test_scripted_reader_answers_only_from_retrieved_evidence(task):
    models = load_models(EXAMPLE / "models.yaml")
    reader = build_responder(models["manual-reader"].script, "manual-reader")
    retriever = build_retriever_for_task(task, {"strategy": "bm25", "k": 4, "chunking": "sections"})
    answered = 0
    for example in task.dev:
        context = context_for(example, retriever)
        passage = gold_from_extra(example.extra).passages[0]
        found = any(passage in c["text"] for c in context)
        reply = reader(render_messages(task.spec, example, context=context))
        assert (reply == example.outputs["answer"]) == found, example.id
        assert reader(render_messages(task.spec, example)) == "I don't know"  # closed book
        answered += found
    assert answered > len(task.dev) // 2


def test_chunks_are_reused_until_a_document_changes(tmp_path):
    import os

    from helpers import sentiment_rows, write_task

    from taskladder.retrieval import IndexCache, RetrievalSpec, task_chunks

    docs = tmp_path / "docs"
    docs.mkdir()
    page = docs / "a.md"
    page.write_text("# A\n\nFirst version.\n", encoding="utf-8")
    task = load_task(write_task(tmp_path, sentiment_rows(8), documents=["docs/"]))
    cache, spec = IndexCache(), RetrievalSpec(chunking="sections")

    first = task_chunks(task, spec, cache=cache)
    assert task_chunks(task, spec, cache=cache) is first
    assert task_chunks(task, RetrievalSpec(chunking="tokens"), cache=cache) is not first
    page.write_text("# A\n\nSecond version, longer.\n", encoding="utf-8")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 10**9))
    assert "Second version" in task_chunks(task, spec, cache=cache)[0].text


def test_no_documents_means_no_retriever(tmp_path):
    from helpers import sentiment_rows, write_task

    task = load_task(write_task(tmp_path, sentiment_rows(8)))
    assert build_retriever_for_task(task, {"strategy": "bm25"}) is None


def test_missing_documents_folder_is_named(tmp_path):
    from helpers import sentiment_rows, write_task

    task = load_task(write_task(tmp_path, sentiment_rows(8), documents=["manual/"]))
    with pytest.raises(TaskladderError, match="manual"):
        build_retriever_for_task(task, {})


@pytest.mark.parametrize(
    "spec,message",
    [
        ({"strategy": "tfidf"}, "retrieval.strategy"),
        ({"k": 0}, "retrieval.k"),
        ({"size": 50, "overlap": 50}, "overlap"),
        ({"chunk_size": 50}, "retrieval.chunk_size"),
    ],
)
def test_bad_retrieval_spec_is_a_config_error(task, spec, message):
    with pytest.raises(ConfigError, match=message) as err:
        build_retriever_for_task(task, spec)
    assert "\n" not in str(err.value)


def test_models_yaml_matches_the_data(task):
    # make_data.py writes both files; a hand edit of one without the other shows here.
    rules = yaml.safe_load((EXAMPLE / "models.yaml").read_text(encoding="utf-8"))["models"][0]["script"]["rules"]
    assert len(rules) == len(_all(task))
