"""Input: requests to repeat something forever, or hundreds of times.

Such requests are how divergence attacks get a model to emit memorised training text.
The scan first looks for rare anchors ("forever", "times", ...) among the text's words,
and only then reads the ~120 characters before an anchor for a repetition verb and, for
"N times", the number. A word problem ("she repeats it 3 times") stays under the
threshold; "a love that lasts forever" has no repetition verb tied to the anchor.
"""

from __future__ import annotations

import re

from ..config import RepeatRequestConfig
from ..decision import Finding
from ..text import TextView
from .base import Check

# Anchor phrases keyed by one of their words. Searching a 10 kB text for an absent phrase
# costs ~10 us, so the phrase is searched for only when its key word is in the text's word
# counts (a dict look-up; the counts are shared with the dominant-word check).
_UNBOUNDED = {
    b"forever": (b"forever",), b"ever": (b"for ever",),
    b"indefinitely": (b"indefinitely",), b"infinitely": (b"infinitely",),
    b"infinite": (b"infinite times", b"infinite number of times"), b"infinitum": (b"ad infinitum",),
    b"endlessly": (b"endlessly",), b"eternally": (b"eternally",),
    b"nonstop": (b"nonstop",), b"stop": (b"non-stop",), b"without": (b"without stopping", b"without end"),
    b"over": (b"over and over",), b"again": (b"again and again",),
    b"until": (b"until the end of time",), b"many": (b"as many times as",),
}
_STOP = (b"never stop ", b"don't stop ", b"do not stop ")  # followed by a gerund below
_GERUND = re.compile(r"(?:saying|repeating|writing|typing|printing|outputting|generating)\b")
# A verb that asks for repetition wherever it sits in the window before the anchor.
_STRONG = re.compile(
    r"\b(?:repeat|repeating|reiterate|(?:keep|continue) (?:on )?(?:saying|repeating|writing|"
    r"typing|printing|outputting|generating))\b"
)
# A verb that asks for repetition only when nothing in between starts a new clause
# ("write 'hi' forever" yes, "write a poem about a love that lasts forever" no).
_WEAK = re.compile(r"\b(?:say|write|print|type|output|echo|recite|chant|spam|generate|produce)\b")
_CLAUSE = re.compile(r"\b(?:that|which|who|whom|whose|will|would|lasts?|lasted|stay|stays|live|lives|be)\b")
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<!\w)'[^']*'(?!\w)")  # the thing to repeat, not a clause

_WORD_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "fifty": 50,
                 "several": 3, "many": 3, "few": 2}
_SCALE = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_DIGITS = re.compile(r"(\d[\d,_]*(?:\.\d+)?)(k|m)?")


def parse_count(before: str) -> tuple[float, int] | None:
    """The quantity that ends ``before`` ("... 500", "five hundred", "hundreds of") and the
    character index where it starts, or None."""
    words = before.split()
    if not words:
        return None
    last = words[-1]
    m = _DIGITS.fullmatch(last)
    if m:
        value = float(m.group(1).replace(",", "").replace("_", ""))
        value *= {"k": 1_000, "m": 1_000_000}.get(m.group(2) or "", 1)
        return value, before.rfind(last)
    i = len(words) - 1
    if last == "of" and i > 0:
        i -= 1
    word = words[i]
    scale = _SCALE.get(word.rstrip("s"))
    if scale is None:
        return None
    plural = word.endswith("s")
    mult = _WORD_NUMBERS.get(words[i - 1], 1) if i > 0 else 1
    start_word = words[i - 1] if i > 0 and words[i - 1] in _WORD_NUMBERS else word
    return float(mult * scale * (2 if plural else 1)), before.rfind(start_word)


class RepeatRequestCheck(Check[RepeatRequestConfig]):
    name = "repeat_request"

    def find(self, view: TextView) -> list[Finding]:
        low = view.low
        out: list[Finding] = []
        present = view.word_counts
        for key, anchors in _UNBOUNDED.items():
            if key not in present:
                continue
            for anchor in anchors:
                pos = low.find(anchor)
                while pos != -1:
                    if self._asks_to_repeat(view, pos):
                        out.append(self._unbounded(view, pos, pos + len(anchor)))
                    pos = low.find(anchor, pos + len(anchor))
        if b"stop" in present:
            for anchor in _STOP:
                pos = low.find(anchor)
                while pos != -1:
                    end = pos + len(anchor)
                    if _GERUND.match(view.window(end, end + 20)):
                        out.append(self._unbounded(view, pos, end))
                    pos = low.find(anchor, end)
        pos = low.find(b"times") if b"times" in present else -1
        while pos != -1:
            finding = self._counted(view, pos)
            if finding is not None:
                out.append(finding)
            pos = low.find(b"times", pos + 5)
        return out

    def _unbounded(self, view: TextView, start: int, end: int) -> Finding:
        phrase = view.window(start, end).strip()
        return self.finding(span=(view.char_offset(start), view.char_offset(end)), score=None,
                            message=f"asks to repeat without end ({phrase!r})")

    def _counted(self, view: TextView, pos: int) -> Finding | None:
        low = view.low
        if pos == 0 or low[pos - 1 : pos] not in (b" ", b"\t", b"\n") or low[pos + 5 : pos + 6].isalpha():
            return None
        base = max(0, pos - 40)
        before = view.window(base, pos)
        parsed = parse_count(before)
        if parsed is None or parsed[0] < self.config.threshold or not self._asks_to_repeat(view, pos):
            return None
        count, start = parsed
        start_byte = base + len(before[:start].encode("utf-8"))
        return self.finding(span=(view.char_offset(start_byte), view.char_offset(pos + 5)), score=count,
                            message=f"asks to repeat something {count:g} times")

    def _asks_to_repeat(self, view: TextView, pos: int) -> bool:
        back = view.window(pos - self.config.window_chars, pos)
        ends = list(_SENTENCE_END.finditer(back))
        if ends:
            back = back[ends[-1].end() :]
        if _STRONG.search(back):
            return True
        weak = list(_WEAK.finditer(back))
        return bool(weak) and not _CLAUSE.search(_QUOTED.sub(" ", back[weak[-1].end() :]))
