"""HTML to plain text with markdown-style headings, using only the stdlib parser.

Headings become ``#`` lines so that section chunking treats HTML and markdown alike; block
elements end paragraphs (a blank line), list items become ``- `` lines, and script, style
and other non-content elements are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HEADINGS = {f"h{i}": i for i in range(1, 7)}
# Page chrome (navigation, footers) and non-content elements are not part of the document.
_SKIP = {"script", "style", "noscript", "template", "head", "svg", "nav", "footer"}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "aside", "table",
    "thead", "tbody", "ul", "ol", "dl", "blockquote", "pre", "figure", "form", "hr", "body",
}
_LINES = {"br", "tr", "li", "dt", "dd"}
_SPACES = re.compile(r"[ \t\r\f\v\n]+")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # finished lines/paragraphs; "" marks a paragraph break
        self.line: list[str] = []
        self.title = ""
        self._skip_depth = 0
        self._in_title = False
        self._heading: int | None = None
        self._pre = 0

    # Text of the current line, whitespace collapsed as a browser would (except in <pre>).
    def _flush(self, paragraph: bool) -> None:
        text = "".join(self.line)
        text = text.strip("\n") if self._pre else _SPACES.sub(" ", text).strip()
        self.line = []
        if text:
            if self._heading:
                text = "#" * self._heading + " " + text
            self.blocks.append(text)
        if paragraph and self.blocks and self.blocks[-1] != "":
            self.blocks.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _HEADINGS:
            self._flush(paragraph=True)
            self._heading = _HEADINGS[tag]
        elif tag in _BLOCKS:
            self._flush(paragraph=True)
            self._pre += tag == "pre"
        elif tag in _LINES:
            self._flush(paragraph=False)
            if tag == "li":
                self.line.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _HEADINGS:
            self._flush(paragraph=True)
            self._heading = None
        elif tag in _BLOCKS:
            self._flush(paragraph=True)
            self._pre = max(0, self._pre - (tag == "pre"))
        elif tag in _LINES:
            self._flush(paragraph=False)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip_depth:
            self.line.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """``(text, title)``: the visible text with ``#`` headings, and the ``<title>`` (or "")."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    parser._flush(paragraph=True)
    blocks = parser.blocks
    while blocks and blocks[-1] == "":
        blocks.pop()
    # Paragraph breaks are blank lines; lines within a block (list items, <br>) stay adjacent.
    out: list[str] = []
    for block in blocks:
        out.append("\n" if block == "" else block + "\n")
    return "".join(out).strip() + "\n" if out else "", _SPACES.sub(" ", parser.title).strip()
