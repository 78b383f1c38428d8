"""The LLM judge's prompt, with a default rubric per output type, and its verdict parser.

The judge is asked to reason briefly and then end with exactly one of ``[[A]]``, ``[[B]]``
or ``[[TIE]]`` (the MT-Bench convention, which models follow reliably). The parser takes the
*last* such marker, so a model that quotes the format while reasoning is still read right.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

from ..errors import ConfigError
from .comparison import Winner

DEFAULT_RUBRICS: dict[str, str] = {
    "label": (
        "Which answer assigns the correct label for the input? Prefer the answer whose label is right; "
        "if both are right or both wrong, prefer the one whose justification (if any) is sound."
    ),
    "number": (
        "Which answer reaches the correct number? Check the arithmetic and the reasoning step by step; "
        "a correct final value beats a nicer explanation."
    ),
    "text": (
        "Which answer better accomplishes the task for this input? Judge correctness and faithfulness to "
        "the input first, then completeness, then clarity and concision. Length is not a merit in itself."
    ),
    "json": (
        "Which answer is valid JSON with the expected fields and correct values extracted from the input? "
        "Invalid JSON or invented values lose to valid, faithful output."
    ),
    "code": (
        "Which program correctly solves the problem, including edge cases? Prefer correct over clever, "
        "then readable and efficient code."
    ),
    "translation": (
        "Which translation conveys the source's full meaning accurately and reads naturally in the target "
        "language? Omissions and mistranslations weigh more than style."
    ),
}

SYSTEM_PROMPT = (
    "You are an impartial judge comparing two answers to the same input. The order in which the "
    "answers appear must not influence you, nor their length, nor the names of their authors. "
    "Explain your comparison in a few sentences, then end with exactly one verdict on its own line: "
    "[[A]] if answer A is better, [[B]] if answer B is better, [[TIE]] if they are equally good."
)


class LLMJudgePrompt(BaseModel):
    """Builds chat messages for one pairwise comparison.

    ``rubric`` overrides the default for ``output_type``; ``instructions`` is the task's
    own instruction text, shown so the judge knows what the answers were meant to do.
    """

    output_type: str = "text"
    rubric: str | None = None
    instructions: str = ""
    system: str = SYSTEM_PROMPT

    def resolved_rubric(self) -> str:
        if self.rubric:
            return self.rubric
        if self.output_type not in DEFAULT_RUBRICS:
            known = ", ".join(sorted(DEFAULT_RUBRICS))
            raise ConfigError(f"no default judge rubric for output type '{self.output_type}'; pass rubric= or use one of {known}")
        return DEFAULT_RUBRICS[self.output_type]

    def messages(self, item_input: Any, output_a: str, output_b: str, rubric: str | None = None) -> list[dict[str, str]]:
        """Messages for the judge; ``output_a`` is shown first as answer A."""
        shown_input = item_input if isinstance(item_input, str) else json.dumps(item_input, ensure_ascii=False, indent=1)
        parts = []
        if self.instructions:
            parts.append(f"## Task\n{self.instructions}")
        parts.append(f"## Rubric\n{rubric or self.resolved_rubric()}")
        parts.append(f"## Input\n{shown_input}")
        parts.append(f"## Answer A\n{output_a}")
        parts.append(f"## Answer B\n{output_b}")
        parts.append("Compare A and B against the rubric, then end with [[A]], [[B]] or [[TIE]].")
        return [{"role": "system", "content": self.system}, {"role": "user", "content": "\n\n".join(parts)}]


_MARKER = re.compile(r"\[\[\s*(A|B|TIE|C)\s*\]\]", re.IGNORECASE)
_FALLBACK = re.compile(r"(?:verdict|winner|better answer)\s*(?:is|:)?\s*\**\s*(A|B|tie)\b", re.IGNORECASE)


MAX_REASONING_CHARS = 2000


def reasoning_of(text: str) -> str | None:
    """The judge's explanation: its reply without the final verdict marker (kept short)."""
    markers = list(_MARKER.finditer(text or ""))
    body = (text[: markers[-1].start()] + text[markers[-1].end():]) if markers else (text or "")
    body = body.strip()
    if len(body) > MAX_REASONING_CHARS:
        body = body[: MAX_REASONING_CHARS - 1] + "…"
    return body or None


def parse_verdict(text: str) -> Winner | None:
    """'a', 'b' or 'tie' from a judge's reply, or None when no verdict can be found.

    ``[[C]]`` is read as a tie (MT-Bench's spelling). None lets the caller retry or record a
    parse failure rather than silently counting a tie.
    """
    markers = _MARKER.findall(text or "")
    if markers:
        last = markers[-1].upper()
    else:
        fallback = _FALLBACK.findall(text or "")
        if not fallback:
            return None
        last = fallback[-1].upper()
    return {"A": "a", "B": "b", "TIE": "tie", "C": "tie"}[last]  # type: ignore[return-value]
