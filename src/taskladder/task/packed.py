"""A task's rows held compactly: each row pickled into one shared buffer, not one object per row.

A million-row table as ``Example`` objects took ~1.6 KB a row while loading (row dicts, models,
their dicts): over a gigabyte before the first call. Packed, a row costs its pickled values plus
16 bytes (its end offset and its id's hash), and an ``Example`` is made only when a caller reads
it: a run reads a batch at a time. A split is a view (an index array into one table), so
splitting, slicing and dropping rows copy no rows.

Past ``SPILL_BYTES`` the pickled rows go to an unnamed temporary file (``ScratchFile``) and a
row is read back with one ``pread``: the rows then cost no memory (a million short rows were ~70 MB in RAM), and
page-cache pages are the kernel's to drop, not this process's. A small table stays in memory.

``PackedExamples`` is a read-only ``Sequence[Example]``: code that iterates, indexes, slices or
takes ``len`` of a split works unchanged; ``+`` gives a plain list (small splits only).
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from .example import Example
from .scratch import ScratchFile

_PROTOCOL = pickle.HIGHEST_PROTOCOL
SPILL_BYTES = 4 << 20  # rows past this many bytes go to a temporary file
_ITER_CHUNK = 4096


class PackedTable:
    """The rows of one data file, appended once and then only read."""

    def __init__(self, input_names: Sequence[str] = (), output_names: Sequence[str] = ()):
        self.input_names = tuple(input_names)
        self.output_names = tuple(output_names)
        self._buf = bytearray()  # the rows while they fit in SPILL_BYTES
        self._file: ScratchFile | None = None  # else the rows, in this file (``_buf`` empty)
        self._size = 0  # bytes of rows so far
        self._ends = array("q")
        self._hashes = array("q")  # hash(id): in-process only (str hashes are salted per process)
        self._frozen: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._ends)

    def append(self, ex_id: str, inputs: dict[str, Any], outputs: dict[str, Any], extra: dict[str, Any]) -> None:
        if self._frozen is not None:
            raise RuntimeError("a packed table is read-only once read")
        # Values only when the keys are the table's (every row of a validated file): the key
        # names would otherwise be a third of a short row.
        ins = tuple(inputs.values()) if tuple(inputs) == self.input_names else inputs
        outs = tuple(outputs.values()) if tuple(outputs) == self.output_names else outputs
        data = pickle.dumps((ex_id, ins, outs, extra or None), protocol=_PROTOCOL)
        if self._file is not None:
            self._file.append(data)
        else:
            self._buf += data
            if len(self._buf) > SPILL_BYTES:
                self._spill()
        self._size += len(data)
        self._ends.append(self._size)
        self._hashes.append(hash(ex_id))

    def _spill(self) -> None:
        self._file = ScratchFile(prefix="taskladder-rows-")
        self._file.append(self._buf)
        self._buf = bytearray()

    def _parts(self) -> tuple[np.ndarray, np.ndarray]:
        if self._frozen is None:
            # Views of the arrays, not copies: a copy would double them for a moment.
            self._frozen = (np.frombuffer(self._ends, dtype=np.int64), np.frombuffer(self._hashes, dtype=np.int64))
        return self._frozen

    def row(self, at: int) -> tuple[Any, ...]:
        ends, _ = self._parts()
        start = int(ends[at - 1]) if at else 0
        end = int(ends[at])
        if self._file is None:
            return pickle.loads(self._buf[start:end])
        return pickle.loads(self._file.read(start, end - start))

    def example(self, at: int) -> Example:
        ex_id, ins, outs, extra = self.row(at)
        return Example(
            id=ex_id,
            inputs=dict(zip(self.input_names, ins)) if isinstance(ins, tuple) else ins,
            outputs=dict(zip(self.output_names, outs)) if isinstance(outs, tuple) else outs,
            extra=extra or {},
        )

    def id_hashes(self) -> np.ndarray:
        return self._parts()[1]

    def __getstate__(self) -> dict[str, Any]:
        # A copy for another process (pickle): the rows themselves, not the temporary file.
        self._parts()
        state = {k: v for k, v in self.__dict__.items() if k not in ("_file", "_frozen")}
        if self._file is not None:
            state["_buf"] = bytearray(self._file.read(0, self._size))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _file=None, _frozen=None)
        if len(self._buf) > SPILL_BYTES:
            self._spill()

    def view(self, index: np.ndarray | None = None) -> "PackedExamples":
        return PackedExamples(self, np.arange(len(self), dtype=np.int64) if index is None else index)


class PackedExamples(Sequence[Example]):
    """Some rows of a ``PackedTable``, in a given order, read as ``Example`` objects."""

    def __init__(self, table: PackedTable, index: np.ndarray):
        self.table = table
        self.rows = np.asarray(index, dtype=np.int64)
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, at: int) -> Example: ...
    @overload
    def __getitem__(self, at: slice) -> "PackedExamples": ...
    def __getitem__(self, at: int | slice) -> "Example | PackedExamples":
        if isinstance(at, slice):
            return PackedExamples(self.table, self.rows[at])
        return self.table.example(int(self.rows[at]))

    def __iter__(self) -> Iterator[Example]:
        example = self.table.example
        # A chunk of positions at a time: ``tolist`` of a million positions is ~36 MB of ints.
        for start in range(0, len(self.rows), _ITER_CHUNK):
            for at in self.rows[start : start + _ITER_CHUNK].tolist():
                yield example(at)

    def take(self, positions: np.ndarray) -> "PackedExamples":
        """These rows (positions, or a boolean mask, over this view)."""
        return PackedExamples(self.table, self.rows[positions])

    def id_hashes(self) -> np.ndarray:
        return self.table.id_hashes()[self.rows]

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """Each id's position in this view, -1 where it has none (a page of a stored run's ids)."""
        if self._sorted is None:
            hashes = self.id_hashes()
            order = np.argsort(hashes, kind="stable")
            self._sorted = (hashes[order], order)
        keys, order = self._sorted
        wanted = np.fromiter((hash(i) for i in ids), dtype=np.int64, count=len(ids))
        at = np.searchsorted(keys, wanted)
        out = np.full(len(ids), -1, dtype=np.int64)
        for k, (i, a) in enumerate(zip(ids, at.tolist())):
            # Equal hashes are checked against the id itself: two ids may share a hash.
            while a < len(keys) and keys[a] == wanted[k]:
                if self.table.row(int(self.rows[order[a]]))[0] == i:
                    out[k] = order[a]
                    break
                a += 1
        return out

    def later_duplicates(self) -> np.ndarray:
        """Positions whose id an earlier position already has, each with the first position of
        that id: an (n, 2) array in position order. Found on the id hashes (8 bytes a row, not a
        dict of a million ids): a sorted copy says which hashes repeat, and only the rows with
        those are read; equal hashes are told apart by the ids themselves."""
        return _later_repeats(self.id_hashes(), lambda at: self.table.row(int(self.rows[at]))[0])

    def __add__(self, other: Iterable[Example]) -> list[Example]:
        return [*self, *other]

    def __radd__(self, other: Iterable[Example]) -> list[Example]:
        return [*other, *self]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PackedExamples({len(self)} examples)"


def repeated_values(values: np.ndarray) -> np.ndarray:
    """The values that occur more than once in ``values``. A sorted copy and a mask (~9 bytes a
    value); ``np.unique`` with counts also argsorts (~30 bytes a value at a million)."""
    ordered = np.sort(values)
    same = ordered[1:] == ordered[:-1]
    return np.unique(ordered[1:][same])


def _later_repeats(keys: np.ndarray, identity: Callable[[int], Any]) -> np.ndarray:
    """Positions whose ``identity`` an earlier position has (positions with equal ``keys`` are
    compared), each with that first position: an (n, 2) array in position order."""
    repeated = repeated_values(keys)
    if not len(repeated):
        return np.empty((0, 2), dtype=np.int64)
    candidates = np.flatnonzero(np.isin(keys, repeated))  # in position order: the first comes first
    firsts: dict[tuple[int, Any], int] = {}
    found = []
    for at, key in zip(candidates.tolist(), keys[candidates].tolist()):
        first = firsts.setdefault((key, identity(at)), at)
        if first != at:
            found.append((at, first))
    return np.array(found, dtype=np.int64).reshape(-1, 2)
