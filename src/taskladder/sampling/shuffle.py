"""Choice shuffling for multiple-choice tasks (Medprompt's choice-shuffle ensemble).

Each sample sees the options in a different seeded order, so a model's preference for a
position (often "A") spreads over all options instead of piling onto one; answers are
mapped back to the original options before the vote.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence
from typing import Any, TypeVar

from .vote import VoteResult, majority_vote

T = TypeVar("T")
LETTERS = string.ascii_uppercase


def shuffle_choices(options: Sequence[T], seed: int) -> tuple[list[T], list[int]]:
    """Return (shuffled options, mapping) where ``mapping[k]`` is the original index of the
    option shown at position k."""
    mapping = list(range(len(options)))
    random.Random(seed).shuffle(mapping)
    return [options[k] for k in mapping], mapping


_LETTER = re.compile(r"^\W*\(?([A-Za-z])\)?(?:[\s.):]|$)")
_ANSWER_LETTER = re.compile(r"answer\s*(?:is|:)?\s*\(?([A-Z])\)?\b", re.IGNORECASE)


def _position(answer: Any, n: int, letters: str) -> int | None:
    if isinstance(answer, int) and not isinstance(answer, bool):
        return answer if 0 <= answer < n else None
    text = str(answer).strip()
    stated = _ANSWER_LETTER.findall(text)
    leading = _LETTER.match(text)
    letter = stated[-1] if stated else (leading.group(1) if leading else None)
    if letter is None:
        return None
    k = letters.find(letter.upper())
    return k if 0 <= k < n else None


def unshuffle_answer(answer: Any, mapping: Sequence[int], *, letters: str = LETTERS) -> Any:
    """Map an answer given in shuffled positions back to the original options.

    ``answer`` is a position index (int) or text naming a letter ("B", "(B)", "B) ...",
    "The answer is B"). Returns the original index for an int, the original letter for
    text, or None when no valid position can be read (an abstention in the vote).
    """
    pos = _position(answer, len(mapping), letters)
    if pos is None:
        return None
    original = mapping[pos]
    return original if isinstance(answer, int) and not isinstance(answer, bool) else letters[original]


def choice_shuffle_vote(answers: Sequence[Any], mappings: Sequence[Sequence[int]], *, letters: str = LETTERS) -> VoteResult:
    """Unshuffle each sample's answer with its own mapping, then majority-vote."""
    if len(answers) != len(mappings):
        raise ValueError(f"{len(answers)} answers but {len(mappings)} mappings; give one mapping per sample")
    back = [unshuffle_answer(a, m, letters=letters) for a, m in zip(answers, mappings)]
    return majority_vote(back)
