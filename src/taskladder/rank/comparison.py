"""One pairwise judgment, and reading a JSONL file of them.

A comparison names two contestants (``a``, ``b``), the item (input) they were compared on,
the verdict, and optionally which of the two was shown first. The item matters for
uncertainty: battles on the same input are correlated, so intervals resample items, not
battles. ``first`` matters for bias: a judge that favours the first slot can be measured
and corrected only when the order is known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ..errors import DataError
from ..jsonl import iter_jsonl

Winner = Literal["a", "b", "tie"]
Slot = Literal["a", "b"]


class Comparison(BaseModel):
    """``winner`` refers to the fields ``a``/``b`` (names), not to display positions."""

    model_config = ConfigDict(frozen=True)

    item: str
    a: str
    b: str
    winner: Winner
    first: Slot | None = None
    reasoning: str | None = None  # what an LLM judge wrote before its verdict (shown in `taskladder view`)

    @model_validator(mode="after")
    def _distinct(self) -> "Comparison":
        if self.a == self.b:
            raise ValueError(f"a and b are both '{self.a}'; a comparison needs two different contestants")
        return self

    @property
    def winner_name(self) -> str | None:
        """Name of the winner, or None for a tie."""
        return None if self.winner == "tie" else (self.a if self.winner == "a" else self.b)

    @property
    def first_name(self) -> str | None:
        """Name of the contestant shown first, when known."""
        if self.first is None:
            return None
        return self.a if self.first == "a" else self.b


def load_judgments(path: str | Path) -> list[Comparison]:
    """Read ``{item, a, b, winner[, first]}`` rows; a bad line raises DataError naming it.

    ``row`` in the error is the 1-based line number of the JSONL file.
    """
    path = Path(path)
    rows: list[Comparison] = []
    for lineno, obj in iter_jsonl(path, missing="file not found; pass a JSONL file with one judgment per line"):
        if "item" in obj and not isinstance(obj["item"], str):
            obj["item"] = str(obj["item"])  # numeric item ids are common and harmless
        try:
            rows.append(Comparison.model_validate(obj))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or None
            msg = "missing (each row needs item, a, b, winner)" if err["type"] == "missing" else err["msg"]
            raise DataError(str(path), msg, row=lineno, field=field) from None
    if not rows:
        raise DataError(str(path), "no judgments found; expected JSONL rows {item, a, b, winner}")
    return rows
