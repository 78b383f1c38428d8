"""Input: many-shot jailbreaks — a prompt carrying dozens of fake dialogue turns.

The score is the number of dialogue-turn markers embedded in the text: role labels at the
start of a line (``User:``, ``Assistant:``, ``Human:``, ``AI:``, ``Q:``, ``A:``,
``### Instruction:``...), the same labels inline when an attacker puts the whole dialogue on
one line, and chat-template tags (``<|im_start|>``, ``[INST]``, ``<start_of_turn>``...).
Line-start and inline counts overlap, so the larger of the two is used, not their sum.
"""

from __future__ import annotations

import re

from ..config import ManyShotConfig
from ..decision import Finding
from ..text import TextView
from .base import Check

_ROLES = rb"user|assistant|human|ai|system|bot|chatbot|q|a|question|answer|instruction|response"
_LINE_MARKER = re.compile(rb"^[ \t>*#_\-]*(?:" + _ROLES + rb")\b[ \t*_]*:", re.MULTILINE)
_INLINE = (b"user:", b"assistant:", b"human:")
_TAGS = (b"<|im_start|>", b"<|start_header_id|>", b"[inst]", b"[/inst]", b"<start_of_turn>", b"<|user|>",
         b"<|assistant|>", b"<|system|>", b"<|human|>", b"<|prompter|>", b"<human>", b"<bot>")


def count_turn_markers(low: bytes) -> tuple[int, int, int]:
    """(markers, first byte offset, last byte offset) in lower-cased UTF-8; -1 when none."""
    tags = sum(low.count(t) for t in _TAGS) if (b"<" in low or b"inst]" in low) else 0
    inline = sum(low.count(m) for m in _INLINE)
    line_hits = list(_LINE_MARKER.finditer(low)) if b":" in low else []
    count = max(len(line_hits), inline) + tags
    if count == 0:
        return 0, -1, -1
    starts = [m.start() for m in line_hits[:1]] + [low.find(m) for m in _INLINE + _TAGS]
    ends = [line_hits[-1].end()] if line_hits else []
    ends += [low.rfind(m) + len(m) for m in _INLINE + _TAGS if m in low]
    return count, min(s for s in starts if s >= 0), max(ends)


class ManyShotCheck(Check[ManyShotConfig]):
    name = "many_shot"

    def find(self, view: TextView) -> list[Finding]:
        low = view.low
        # Fewer colons than the threshold and no template tags: too few markers, skip.
        if low.count(b":") < self.config.threshold and b"<" not in low and b"inst]" not in low:
            return []
        count, first, last = count_turn_markers(low)
        if count < self.config.threshold:
            return []
        return [self.finding(span=(view.char_offset(first), view.char_offset(last)), score=float(count),
                             message=f"{count} embedded dialogue-turn markers (many-shot pattern)")]
