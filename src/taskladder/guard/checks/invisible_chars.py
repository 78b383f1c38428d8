"""Input: invisible and control characters — zero-width, bidi overrides, Unicode tags, C0/C1.

They hide instructions from a human reviewer (tag characters can smuggle whole ASCII
sentences) while the model still reads them. Clean text is settled by C-level calls
(``bytes.translate`` for controls, ``str.isprintable`` for format characters); the regex
that locates each character runs only when one of them may be present. A zero-width
joiner between emoji is legitimate and is left alone.
"""

from __future__ import annotations

import re

from ..config import InvisibleCharsConfig
from ..decision import Edit, Finding
from ..text import TextView
from .base import Check

_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\ufff9-\ufffb"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
# Every byte except the ASCII controls we flag: deleting these leaves only the controls.
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 32 and b not in (9, 10, 13)) and b != 127)
# Invisible characters that str.isprintable() accepts (Hangul fillers, variation selectors 17+).
_PRINTABLE_INVISIBLE = ("\u115f", "\u1160", "\u3164")
_ZWJ = "\u200d"


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return cp >= 0x1F000 or 0x2600 <= cp <= 0x27BF or 0x2300 <= cp <= 0x23FF or cp == 0xFE0F


class InvisibleCharsCheck(Check[InvisibleCharsConfig]):
    name = "invisible_chars"

    def _positions(self, view: TextView) -> list[int]:
        text, raw = view.text, view.utf8
        if raw.translate(None, delete=_NOT_CONTROL):
            pass  # an ASCII control character: locate it below
        elif text.isascii():
            return []
        elif (
            text.replace("\n", " ").replace("\t", " ").replace("\r", " ").isprintable()
            and not any(ch in text for ch in _PRINTABLE_INVISIBLE)
            and b"\xf3\xa0" not in raw
        ):
            # Every format (Cf) and control (Cc) character is non-printable, so a printable
            # text holds none of the characters below; the C-level test saves the regex.
            return []
        hits = []
        for m in _INVISIBLE.finditer(text):
            i = m.start()
            if text[i] == _ZWJ and 0 < i < len(text) - 1 and _is_emoji(text[i - 1]) and _is_emoji(text[i + 1]):
                continue
            hits.append(i)
        return hits

    def find(self, view: TextView) -> list[Finding]:
        hits = self._positions(view)
        if len(hits) < self.config.threshold:
            return []
        names = sorted({f"U+{ord(view.text[i]):04X}" for i in hits})
        shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
        return [self.finding(span=(hits[0], hits[-1] + 1), score=float(len(hits)),
                             message=f"{len(hits)} invisible/control characters ({shown})")]

    def edits(self, view: TextView, findings: list[Finding]) -> list[Edit]:
        return [Edit(start=i, end=i + 1) for i in self._positions(view)]
