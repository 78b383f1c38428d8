"""Apply the replacements redacting checks asked for, in one pass over the original text.

Every check reports spans in the *original* text, so edits are merged (overlaps are united)
and applied together rather than one check after another on shifting offsets.
"""

from __future__ import annotations

from .decision import Edit


def apply_edits(text: str, edits: list[Edit]) -> str:
    if not edits:
        return text
    merged: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, -e.end)):
        if merged and e.start < merged[-1].end:
            last = merged[-1]
            if e.end > last.end:
                merged[-1] = Edit(start=last.start, end=e.end, replacement=last.replacement)
            continue
        merged.append(e)
    parts, pos = [], 0
    for e in merged:
        parts.append(text[pos : e.start])
        parts.append(e.replacement)
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts)
