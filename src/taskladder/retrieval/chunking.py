"""Split documents into chunks: token windows with overlap, or heading sections/paragraphs.

Deterministic: the same documents and settings always give the same chunks (same ids,
spans and texts), so retrieval results, prompts and call-cache keys are reproducible.
Every chunk is an exact slice ``doc.text[start:end]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from ..errors import ConfigError
from .documents import Document
from .structure import Section, paragraphs, section_at, sections
from .tokens import count_tokens, token_offsets

_NON_BLANK = re.compile(r"\S")
_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+\S")
_HEADING_TITLE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)

ChunkMode = Literal["tokens", "sections"]
CHUNK_MODES = ("tokens", "sections")


class Chunk(BaseModel):
    id: str  # "<doc id>#<n>", n counting from 0 within the document
    doc_id: str
    text: str
    start: int  # character span in the document text
    end: int
    heading: str = ""  # enclosing headings, "Setup > Wi-Fi"; "" before any heading

    model_config = {"frozen": True}

    @property
    def display_text(self) -> str:
        """The text, with its heading trail in front when the text lacks its own heading
        line: a window cut mid-section still says which section it is from, both to the
        index and to the model reading it."""
        if not self.heading:
            return self.text
        last = self.heading.rsplit(" > ", 1)[-1]
        if any(m.group(1).strip() == last for m in _HEADING_TITLE.finditer(self.text)):
            return self.text
        return f"[{self.heading}]\n{self.text}"


def chunk_documents(
    docs: Sequence[Document], *, mode: ChunkMode = "tokens", size: int = 200, overlap: int = 40
) -> list[Chunk]:
    """Chunks of every document, in document order.

    ``tokens``: windows of ``size`` tokens, each starting ``size - overlap`` tokens after the
    previous one. ``sections``: one chunk per heading section when it fits in ``size``
    tokens; a longer section is packed paragraph by paragraph, and a paragraph longer than
    ``size`` is cut into token windows with ``overlap``. A heading with no body of its own
    joins the section that follows it.
    """
    if mode not in CHUNK_MODES:
        raise ConfigError(f"retrieval chunking '{mode}' is unknown; use one of {', '.join(CHUNK_MODES)}")
    if size < 1:
        raise ConfigError(f"retrieval chunk size must be at least 1 token, got {size}")
    if not 0 <= overlap < size:
        raise ConfigError(f"retrieval overlap must be between 0 and size - 1 ({size - 1}), got {overlap}")
    out: list[Chunk] = []
    for doc in docs:
        secs = sections(doc.text)
        if mode == "tokens":
            spans = [
                (a, b, _heading_at(doc.text, secs, a))
                for a, b in token_windows(doc.text, 0, len(doc.text), size, overlap)
            ]
        else:
            spans = [
                (a, b, sec.heading)
                for sec in _merge_empty(doc.text, secs)
                for a, b in _section_spans(doc.text, sec, size, overlap)
            ]
        n = 0
        for start, end, heading in spans:
            text = doc.text[start:end]
            if not text.strip():
                continue
            out.append(Chunk(id=f"{doc.id}#{n}", doc_id=doc.id, text=text, start=start, end=end, heading=heading))
            n += 1
    return out


def _heading_at(text: str, secs: list[Section], start: int) -> str:
    """The heading trail where the window's first non-blank character is."""
    match = _NON_BLANK.search(text, start)
    sec = section_at(secs, match.start() if match else start)
    return sec.heading if sec else ""


def token_windows(text: str, start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Character spans of ``size``-token windows over ``text[start:end]``, consecutive ones
    sharing ``overlap`` tokens; together they cover the whole span."""
    offsets = token_offsets(text[start:end])
    n = len(offsets)
    if n == 0:
        return []
    if n <= size:
        return [(start, end)]
    step = size - overlap
    spans = []
    first = 0
    while True:
        last = first + size
        a = start if first == 0 else start + offsets[first]
        b = end if last >= n else start + offsets[last]
        spans.append((a, b))
        if last >= n:
            return spans
        first += step


def _merge_empty(text: str, secs: list[Section]) -> list[Section]:
    """Fold a section that is only its heading line into the next one (keeping the deeper
    trail), so no chunk is a bare heading."""
    out: list[Section] = []
    carry: int | None = None
    for sec in secs:
        start = sec.start if carry is None else carry
        body = text[sec.start : sec.end].split("\n", 1)
        only_heading = bool(sec.trail) and (len(body) < 2 or not body[1].strip())
        if only_heading and sec is not secs[-1]:
            carry = start
            continue
        carry = None
        out.append(Section(start, sec.end, sec.trail))
    return out


def _section_spans(text: str, sec: Section, size: int, overlap: int) -> list[tuple[int, int]]:
    if count_tokens(text[sec.start : sec.end]) <= size:
        return [(sec.start, sec.end)]
    spans: list[tuple[int, int]] = []
    group: tuple[int, int] | None = None
    group_tokens = 0
    for a, b in paragraphs(text, sec.start, sec.end):
        n = count_tokens(text[a:b])
        if group is not None and (group_tokens + n <= size or _only_headings(text, *group)):
            # A paragraph joins the group while it fits; headings never stand alone, they
            # lead into the text that follows them (even if that makes one chunk a bit long).
            if group_tokens + n > size:
                spans.extend(token_windows(text, group[0], b, size, overlap))
                group, group_tokens = None, 0
            else:
                group, group_tokens = (group[0], b), group_tokens + n
            continue
        if group is not None:
            spans.append(group)
            group = None
        if n > size:
            spans.extend(token_windows(text, a, b, size, overlap))
        else:
            group, group_tokens = (a, b), n
    if group is not None:
        spans.append(group)
    return spans


def _only_headings(text: str, start: int, end: int) -> bool:
    return all(_HEADING_LINE.match(line) for line in text[start:end].splitlines() if line.strip())
