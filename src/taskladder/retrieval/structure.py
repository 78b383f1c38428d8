"""The shape of a document's text: markdown-style heading sections and blank-line paragraphs.

Everything is a character span into the document text, so chunks can point back at exactly
where they came from. HTML arrives here already converted to ``#`` headings.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_PARAGRAPH = re.compile(r"\S(?:.|\n(?![ \t]*\n))*", re.MULTILINE)


@dataclass(frozen=True)
class Section:
    """``text[start:end]``: a heading line and the body up to the next heading."""

    start: int
    end: int
    trail: tuple[str, ...]  # enclosing headings, outermost first; () before the first heading

    @property
    def heading(self) -> str:
        return " > ".join(self.trail)


def sections(text: str) -> list[Section]:
    """Sections in order; they tile the text (the first starts at 0, each ends where the next
    starts). ``#`` lines inside fenced code blocks are not headings."""
    marks: list[tuple[int, int, str]] = []  # (offset, level, title)
    offset, fenced = 0, False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            match = _HEADING.match(line.rstrip("\n"))
            if match:
                marks.append((offset, len(match.group(1)), match.group(2).strip()))
        offset += len(line)
    out: list[Section] = []
    if not marks or marks[0][0] > 0:
        out.append(Section(0, marks[0][0] if marks else len(text), ()))
    stack: list[tuple[int, str]] = []
    for i, (start, level, title) in enumerate(marks):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        out.append(Section(start, end, tuple(t for _, t in stack)))
    return out


def section_at(secs: list[Section], pos: int) -> Section | None:
    """The section that contains character ``pos`` (sections tile the text, so a binary
    search over their starts finds it)."""
    if not secs:
        return None
    i = bisect.bisect_right([s.start for s in secs], pos) - 1
    return secs[max(i, 0)]


def paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the blank-line separated paragraphs of ``text[start:end]`` (trailing
    whitespace excluded)."""
    piece = text[start:end]
    return [(start + m.start(), start + len(m.group().rstrip()) + m.start()) for m in _PARAGRAPH.finditer(piece)]
