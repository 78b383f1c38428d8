"""Small HTML builders. Callers pass already-escaped cell HTML; text goes through ``esc``."""

from __future__ import annotations

from collections.abc import Sequence

from .fmt import esc, truncate


def th(label: str, num: bool = False, title: str | None = None) -> str:
    attrs = ' class="num"' if num else ""
    if title:
        attrs += f' title="{esc(title)}"'
    return f"<th{attrs}>{esc(label)}</th>"


def td(html_cell: str, num: bool = False) -> str:
    return f'<td class="num">{html_cell}</td>' if num else f"<td>{html_cell}</td>"


def table(head: Sequence[str], body: Sequence[tuple[str, Sequence[str]]], cls: str = "") -> str:
    """``head``: ``<th>`` cells; ``body``: ``(row_class, <td> cells)`` pairs."""
    rows = "".join(
        (f'<tr class="{row_cls}">' if row_cls else "<tr>") + "".join(cells) + "</tr>"
        for row_cls, cells in body
    )
    cls_attr = f' class="{cls}"' if cls else ""
    return f"<table{cls_attr}><thead><tr>{''.join(head)}</tr></thead><tbody>{rows}</tbody></table>"


def long_text(text: str, limit: int = 400) -> str:
    """Escaped text in a ``<pre>``; past ``limit`` characters the rest folds into details."""
    head, cut = truncate(text, limit)
    if not cut:
        return f"<pre>{esc(text)}</pre>"
    return (
        f"<pre>{esc(head)}</pre><details><summary>show all {len(text):,} characters</summary>"
        f"<pre>{esc(text)}</pre></details>"
    )


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{esc(title)}</h2>{body}</section>'
