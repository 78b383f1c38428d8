"""Chunking invariants: exact slices, coverage, overlap, size, headings, determinism."""

from __future__ import annotations

import random

import pytest

from taskladder.errors import ConfigError
from taskladder.retrieval import Document, chunk_documents, count_tokens

WORDS = ("the dial heating cooling schedule battery sensor network display manual "
         "press hold restart update window room water light power green").split()


def _prose(n_words: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    sentences, words = [], []
    for i in range(n_words):
        words.append(rng.choice(WORDS))
        if i % 12 == 11:
            sentences.append(" ".join(words).capitalize() + ".")
            words = []
    return " ".join(sentences + ([" ".join(words)] if words else []))


def _doc(text: str, doc_id: str = "d.md") -> Document:
    return Document(id=doc_id, path=doc_id, text=text, title=doc_id)


def _covered(chunks, length: int) -> list[bool]:
    seen = [False] * length
    for c in chunks:
        for i in range(c.start, c.end):
            seen[i] = True
    return seen


@pytest.mark.parametrize("size,overlap", [(50, 10), (64, 0), (30, 29)])
def test_token_windows_cover_the_text_with_the_asked_overlap(size, overlap):
    doc = _doc(_prose(400))
    chunks = chunk_documents([doc], mode="tokens", size=size, overlap=overlap)

    assert len(chunks) > 3
    assert all(c.text == doc.text[c.start : c.end] for c in chunks)
    assert all(_covered(chunks, len(doc.text)))
    assert [c.id for c in chunks] == [f"d.md#{i}" for i in range(len(chunks))]
    for prev, nxt in zip(chunks, chunks[1:]):
        assert count_tokens(prev.text) == size  # every window but the last is full
        assert nxt.start >= prev.start
        shared = doc.text[nxt.start : prev.end] if nxt.start < prev.end else ""
        assert count_tokens(shared) == overlap
    assert 0 < count_tokens(chunks[-1].text) <= size


def test_short_document_is_one_chunk_and_blank_documents_give_none():
    chunks = chunk_documents([_doc("A short note."), _doc("  \n\n ", "blank.md")], size=50, overlap=5)
    assert [(c.id, c.text) for c in chunks] == [("d.md#0", "A short note.")]


def test_sections_follow_headings_and_keep_the_trail():
    text = (
        "Preface line.\n\n# Guide\n\nIntro to the guide.\n\n## Setup\n\nPlug it in.\n\n"
        "## Wi-Fi\n\nJoin the network.\n\n### Errors\n\nE4 means a bad password.\n\n# Other\n\nMore.\n"
    )
    doc = _doc(text)
    chunks = chunk_documents([doc], mode="sections", size=200, overlap=20)

    assert [c.heading for c in chunks] == ["", "Guide", "Guide > Setup", "Guide > Wi-Fi", "Guide > Wi-Fi > Errors", "Other"]
    assert chunks[2].text.startswith("## Setup") and "Plug it in." in chunks[2].text
    assert all(c.text == doc.text[c.start : c.end] for c in chunks)
    # Sections tile the document, so nothing is lost between them.
    assert all(_covered(chunks, len(text)))


def test_long_sections_split_by_paragraphs_then_tokens():
    long_para = _prose(300, seed=1)
    text = f"# Big\n\n{_prose(20, 2)}\n\n{_prose(25, 3)}\n\n{long_para}\n\n# Small\n\nTiny.\n"
    doc = _doc(text)
    size = 60
    chunks = chunk_documents([doc], mode="sections", size=size, overlap=10)

    big = [c for c in chunks if c.heading == "Big"]
    assert len(big) > 4
    assert all(count_tokens(c.text) <= size for c in big)
    assert chunks[-1].heading == "Small" and chunks[-1].text.startswith("# Small")
    # Every non-blank character is in some chunk.
    seen = _covered(chunks, len(text))
    assert all(seen[i] for i, ch in enumerate(text) if not ch.isspace())
    # The long paragraph is cut into windows that overlap.
    windows = [c for c in big if c.start >= text.index(long_para)]
    assert len(windows) > 2 and all(b.start < a.end for a, b in zip(windows, windows[1:]))


def test_a_heading_never_stands_alone():
    text = "# Manual\n## Setup\n\n" + _prose(200, 4) + "\n"
    chunks = chunk_documents([_doc(text)], mode="sections", size=40, overlap=5)
    assert chunks[0].text.startswith("# Manual\n## Setup\n\n")
    assert all(c.text.strip() not in ("# Manual", "## Setup", "# Manual\n## Setup") for c in chunks)


def test_windows_cut_mid_section_carry_their_heading():
    text = "# Alpha\n\n" + _prose(120, 5) + "\n\n# Beta\n\n" + _prose(120, 6) + "\n"
    chunks = chunk_documents([_doc(text)], mode="tokens", size=40, overlap=8)
    headings = [c.heading for c in chunks]
    assert headings[0] == "Alpha" and headings[-1] == "Beta"
    middle = next(c for c in chunks if c.heading == "Alpha" and not c.text.lstrip().startswith("#"))
    assert middle.display_text.startswith("[Alpha]\n")
    assert chunks[0].display_text == chunks[0].text  # already shows "# Alpha"


def test_chunking_is_deterministic():
    docs = [_doc(_prose(500, 7)), _doc("# H\n\n" + _prose(300, 8), "e.md")]
    for mode in ("tokens", "sections"):
        first = chunk_documents(docs, mode=mode, size=45, overlap=9)
        again = chunk_documents(list(docs), mode=mode, size=45, overlap=9)
        assert [c.model_dump() for c in first] == [c.model_dump() for c in again]
        assert {c.doc_id for c in first} == {"d.md", "e.md"}


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"mode": "pages"}, "chunking 'pages' is unknown"),
        ({"size": 0}, "size must be at least 1"),
        ({"size": 10, "overlap": 10}, "overlap must be between 0 and size - 1"),
        ({"overlap": -1}, "overlap must be between"),
    ],
)
def test_bad_settings_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        chunk_documents([_doc("text")], **kwargs)


def test_tiktoken_loads_without_leaving_the_environment_changed(monkeypatch):
    import os

    from taskladder.retrieval import tokens

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    tokens.token_offsets_fn.cache_clear()
    try:
        offsets = tokens.token_offsets("Hold the dial, then release.")
    finally:
        tokens.token_offsets_fn.cache_clear()
    assert "TIKTOKEN_CACHE_DIR" not in os.environ
    assert offsets[0] == 0 and offsets == sorted(offsets) and 4 <= len(offsets) <= 10


def test_without_an_encoding_words_stand_in_for_tokens(monkeypatch):
    from taskladder.retrieval import tokens

    monkeypatch.setattr(tokens, "token_offsets_fn", lambda: tokens.word_offsets)
    assert tokens.word_offsets("Hold it, now.") == [0, 5, 7, 9, 12]
    doc = _doc(" ".join(f"w{i}" for i in range(100)))
    chunks = chunk_documents([doc], mode="tokens", size=30, overlap=10)
    assert [c.text.split()[0] for c in chunks] == ["w0", "w20", "w40", "w60", "w80"]
    assert all(len(c.text.split()) == 30 for c in chunks[:-1])
