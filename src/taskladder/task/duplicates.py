"""Duplicate rows in real data: what to keep and what to tell the user.

Public datasets repeat rows (TREC has 71 exact duplicates, SST-2 9). Refusing them one at a
time makes the data unusable; keeping them double-counts an example. So an identical row
without an id is kept once, with a count; the same input with different expected outputs is
kept (the data says both) but listed, because no model can score on both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .packed import in_sorted, repeated_values
from .scratch import Int64Column

_LISTED = 5
_IN_MEMORY = 1 << 16  # rows whose hashes stay in memory; past them, both columns go to temporary files

# (inputs, outputs) of a row, by its position in the file's rows.
RowValues = Callable[[int], tuple[dict[str, Any], dict[str, Any]]]


@dataclass
class DuplicateLog:
    """Which rows repeat an earlier row's inputs with other outputs.

    ``see`` keeps two hashes a row (16 bytes, not a dict of a million input texts; in temporary
    files past ``_IN_MEMORY`` rows); ``settle`` compares rows whose input hashes agree, confirming
    on the values themselves, in row order against the first row with that input, as a dict of
    inputs would have, and then drops the hashes."""

    file: str
    identical: int = 0
    conflicts: list[tuple[int, int, str, Any, Any]] = field(default_factory=list)
    _inputs: Int64Column = field(default_factory=lambda: Int64Column("taskladder-dup-", _IN_MEMORY))
    _outputs: Int64Column = field(default_factory=lambda: Int64Column("taskladder-dup-", _IN_MEMORY))

    def see(self, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        self._inputs.append(hash(_input_key(inputs)))
        self._outputs.append(hash(repr(outputs)))

    def settle(self, kept: np.ndarray | None, first_line: int, values: RowValues) -> None:
        """Find the conflicts among the ``kept`` rows (positions in ``see`` order, None: every
        row; position p is line ``first_line + p`` of the file; ``values``: a position's inputs and
        outputs)."""

        def kept_keys() -> np.ndarray:  # a new array each time
            keys = self._inputs.values()
            return keys if kept is None or len(kept) == len(keys) else keys[kept]

        # Only the rows whose input hash repeats are grouped (a sorted copy, read for it alone,
        # finds those hashes; an argsort of every row cost ~30 bytes a row more at a million).
        repeated = repeated_values(kept_keys(), in_place=True)
        keys = kept_keys()
        candidates = np.flatnonzero(in_sorted(keys, repeated))
        groups: dict[int, list[int]] = {}
        for k, key in zip(candidates.tolist(), keys[candidates].tolist()):
            groups.setdefault(key, []).append(k)
        del keys
        outs = self._outputs.values()  # read after the input hashes are gone: one column at a time
        self._inputs, self._outputs = Int64Column(), Int64Column()  # the hashes are dropped (files closed)
        if kept is not None and len(kept) < len(outs):
            outs = outs[kept]

        def position(k: int) -> int:
            return k if kept is None else int(kept[k])

        found = []
        for group in groups.values():
            if len(set(outs[group].tolist())) == 1:
                continue  # the same input, the same output every time: nothing to say
            firsts: dict[str, tuple[int, dict[str, Any]]] = {}
            for k in group:
                inputs, outputs = values(position(k))
                first_k, first_outputs = firsts.setdefault(_input_key(inputs), (k, outputs))
                if first_k != k and first_outputs != outputs:
                    found.append((k, first_k, inputs, first_outputs, outputs))
        del outs
        for k, first_k, inputs, first_outputs, outputs in sorted(found, key=lambda f: f[0]):
            self.conflicts.append(
                (first_line + position(first_k), first_line + position(k), _preview(inputs), first_outputs, outputs)
            )

    def notes(self) -> list[str]:
        out = []
        if self.identical:
            out.append(f"{self.file}: {self.identical} identical duplicate row(s) without an id; kept one of each")
        if self.conflicts:
            shown = "; ".join(
                f"rows {a} and {b} ({text}): {oa} vs {ob}" for a, b, text, oa, ob in self.conflicts[:_LISTED]
            )
            more = f"; and {len(self.conflicts) - _LISTED} more" if len(self.conflicts) > _LISTED else ""
            out.append(
                f"{self.file}: {len(self.conflicts)} input(s) appear with different expected outputs: {shown}{more}"
            )
        return out


def _input_key(inputs: dict[str, Any]) -> str:
    return repr(sorted(inputs.items()))


def _preview(inputs: dict[str, Any], width: int = 40) -> str:
    text = " | ".join(str(v) for v in inputs.values())
    return repr(text if len(text) <= width else text[: width - 1] + "…")
