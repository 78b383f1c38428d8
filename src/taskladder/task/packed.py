"""A task's rows held compactly: each row pickled into one shared buffer, not one object per row.

A million-row table as ``Example`` objects took ~1.6 KB a row while loading (row dicts, models,
their dicts): over a gigabyte before the first call. Packed, a row costs its pickled values, and
an ``Example`` is made only when a caller reads it: a run reads a batch at a time. A split is a
view (an index array into one table, 4 bytes a row), so splitting, slicing and dropping rows
copy no rows.

Past ``SPILL_BYTES`` the pickled rows go to an unnamed temporary file (``ScratchFile``), and so do
each row's end offset and id hash (``Int64Column``): a row is read back with two ``pread``s (its
offsets, then its bytes), and the table costs no memory per row for the whole run (a million
short rows were ~70 MB in RAM, then 16 MB of offsets and hashes); page-cache pages are the
kernel's to drop, not this process's. A small table stays in memory.

``PackedExamples`` is a read-only ``Sequence[Example]``: code that iterates, indexes, slices or
takes ``len`` of a split works unchanged; ``+`` gives a plain list (small splits only).
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from .example import Example
from .scratch import Int64Column, ScratchFile

_PROTOCOL = pickle.HIGHEST_PROTOCOL
SPILL_BYTES = 4 << 20  # rows past this many bytes go to a temporary file
_ITER_CHUNK = 4096
_SEALING = threading.Lock()


class PackedTable:
    """The rows of one data file, appended once and then only read."""

    def __init__(self, input_names: Sequence[str] = (), output_names: Sequence[str] = ()):
        self.input_names = tuple(input_names)
        self.output_names = tuple(output_names)
        self._buf = bytearray()  # the rows while they fit in SPILL_BYTES
        self._file: ScratchFile | None = None  # else the rows, in this file (``_buf`` empty)
        self._size = 0  # bytes of rows so far
        # Each row's end offset, and its id's hash (in-process only: str hashes are salted per
        # process; None after a pickle, remade when asked). Spilled with the rows.
        self._ends = Int64Column("taskladder-ends-")
        self._hashes: Int64Column | None = Int64Column("taskladder-ids-")
        self._sealed = False
        # Every row's types are the ones ``Example`` validates to (str id and keys): an Example is
        # then built without validating it again, on every read.
        self._plain = True

    def __len__(self) -> int:
        return len(self._ends)

    def append(self, ex_id: str, inputs: dict[str, Any], outputs: dict[str, Any], extra: dict[str, Any]) -> None:
        if self._sealed:
            raise RuntimeError("a packed table is read-only once read")
        # Values only when the keys are the table's (every row of a validated file): the key
        # names would otherwise be a third of a short row.
        ins = tuple(inputs.values()) if tuple(inputs) == self.input_names else inputs
        outs = tuple(outputs.values()) if tuple(outputs) == self.output_names else outputs
        if self._plain and not (
            type(ex_id) is str
            and all(type(k) is str for part in (ins, outs, extra) if isinstance(part, dict) for k in part)
        ):
            self._plain = False
        data = pickle.dumps((ex_id, ins, outs, extra or None), protocol=_PROTOCOL)
        if self._file is not None:
            self._file.append(data)
        else:
            self._buf += data
            if len(self._buf) > SPILL_BYTES:
                self._spill()
        self._size += len(data)
        self._ends.append(self._size)
        assert self._hashes is not None
        self._hashes.append(hash(ex_id))

    def _spill(self) -> None:
        self._file = ScratchFile(prefix="taskladder-rows-")
        self._file.append(self._buf)
        self._buf = bytearray()
        self._ends.spill()
        if self._hashes is not None:
            self._hashes.spill()

    def _seal(self) -> None:
        with _SEALING:  # two threads' first reads must not both flush the columns' tails
            if not self._sealed:
                self._ends.seal()
                if self._hashes is not None:
                    self._hashes.seal()
                self._sealed = True

    def row(self, at: int) -> tuple[Any, ...]:
        if not self._sealed:
            self._seal()
        start, end = self._ends.bounds(at)
        if self._file is None:
            return pickle.loads(self._buf[start:end])
        return pickle.loads(self._file.read(start, end - start))

    def example(self, at: int) -> Example:
        ex_id, ins, outs, extra = self.row(at)
        inputs = dict(zip(self.input_names, ins)) if isinstance(ins, tuple) else ins
        outputs = dict(zip(self.output_names, outs)) if isinstance(outs, tuple) else outs
        if self._plain:
            return _trusted(ex_id, inputs, outputs, extra or {})
        return Example(id=ex_id, inputs=inputs, outputs=outputs, extra=extra or {})

    def id_hashes(self) -> np.ndarray:
        """Every row's id hash, as a new array (8 bytes a row, for as long as the caller keeps it)."""
        if self._hashes is None:  # unpickled in another process: its hashes are salted otherwise
            hashes = Int64Column("taskladder-ids-")
            for at in range(len(self)):
                hashes.append(hash(self.row(at)[0]))
            if self._file is not None:
                hashes.spill()
            self._hashes = hashes
        return self._hashes.values()

    def __getstate__(self) -> dict[str, Any]:
        # A copy for another process (pickle): the rows themselves, not the temporary file; not
        # the id hashes, which are salted per process.
        state = {k: v for k, v in self.__dict__.items() if k not in ("_file", "_hashes")}
        if self._file is not None:
            state["_buf"] = bytearray(self._file.read(0, self._size))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _file=None, _hashes=None)
        if len(self._buf) > SPILL_BYTES:
            self._spill()

    def view(self, index: np.ndarray | None = None) -> "PackedExamples":
        if index is None:
            return PackedExamples(self, np.arange(len(self), dtype=index_dtype(len(self))), whole=True)
        return PackedExamples(self, index)


_EVERY_FIELD = frozenset(Example.model_fields)
_new = Example.__new__
_set = object.__setattr__


def _trusted(ex_id: str, inputs: dict[str, Any], outputs: dict[str, Any], extra: dict[str, Any]) -> Example:
    """``Example(id=..., ...)`` without validating it: every value already has the type validation
    gives (a str id; new dicts with str keys, their values ``Any``), so validating only copied the
    dicts. What ``Example.model_construct`` does, without its per-field loop (it took twice
    validation's time); tests/test_packed_memory.py compares both forms on real rows."""
    example = _new(Example)
    _set(example, "__dict__", {"id": ex_id, "inputs": inputs, "outputs": outputs, "extra": extra})
    _set(example, "__pydantic_fields_set__", set(_EVERY_FIELD))
    _set(example, "__pydantic_extra__", None)
    _set(example, "__pydantic_private__", None)
    return example


def index_dtype(rows: int) -> type[np.signedinteger]:
    """Positions into a table of ``rows`` rows: 4 bytes each below 2**31 rows (a split of a
    million rows holds 4 MB of them for the whole run, not 8)."""
    return np.int32 if rows < 2**31 else np.int64


class PackedExamples(Sequence[Example]):
    """Some rows of a ``PackedTable``, in a given order, read as ``Example`` objects."""

    def __init__(self, table: PackedTable, index: np.ndarray, whole: bool = False):
        self.table = table
        self.rows = np.asarray(index, dtype=index_dtype(len(table)))
        self._whole = whole  # ``index`` is every row of the table, in order
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
        """Each row's id hash, as a new array."""
        hashes = self.table.id_hashes()
        if self._whole:  # every row in table order (a file as loaded): no gathered copy
            return hashes
        return hashes[self.rows]

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """Each id's position in this view, -1 where it has none (a page of a stored run's ids)."""
        if self._sorted is None:
            hashes = self.id_hashes()
            order = np.argsort(hashes, kind="stable")
            # Held while a run resumes: 12 bytes a row (the positions as the view's own type).
            self._sorted = (hashes[order], order.astype(self.rows.dtype))
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
        return _later_repeats(self.id_hashes, lambda at: self.table.row(int(self.rows[at]))[0])

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


def repeated_values(values: np.ndarray, in_place: bool = False) -> np.ndarray:
    """The values that occur more than once in ``values``, sorted. A sorted copy and a mask (~9
    bytes a value; ``in_place``: ``values`` itself is sorted, the caller's own copy, ~1 byte);
    ``np.unique`` with counts also argsorts (~30 bytes a value at a million)."""
    if in_place:
        values.sort()
        ordered = values
    else:
        ordered = np.sort(values)
    same = ordered[1:] == ordered[:-1]
    return np.unique(ordered[1:][same])


_MEMBER_CHUNK = 1 << 16


def in_sorted(keys: np.ndarray, sorted_among: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is in ``sorted_among`` (``np.isin(keys, sorted_among)``): a binary
    search, ``keys`` a chunk at a time, so the temporaries are a chunk's. ``np.isin`` sorts both
    together past a few dozen values, with ~40 bytes a key of temporaries (12 MB at 300,000)."""
    out = np.zeros(len(keys), dtype=bool)
    if len(sorted_among):
        for start in range(0, len(keys), _MEMBER_CHUNK):
            chunk = keys[start : start + _MEMBER_CHUNK]
            at = np.minimum(np.searchsorted(sorted_among, chunk), len(sorted_among) - 1)
            out[start : start + len(chunk)] = sorted_among[at] == chunk
    return out


def _later_repeats(keys: Callable[[], np.ndarray], identity: Callable[[int], Any]) -> np.ndarray:
    """Positions whose ``identity`` an earlier position has (positions with equal keys are
    compared), each with that first position: an (n, 2) array in position order. ``keys``: a new
    array of every position's key each time it is called (one is sorted in place, then dropped)."""
    repeated = repeated_values(keys(), in_place=True)
    if not len(repeated):
        return np.empty((0, 2), dtype=np.int64)
    ordered = keys()
    candidates = np.flatnonzero(in_sorted(ordered, repeated))  # in position order: the first comes first
    firsts: dict[tuple[int, Any], int] = {}
    found = []
    for at, key in zip(candidates.tolist(), ordered[candidates].tolist()):
        first = firsts.setdefault((key, identity(at)), at)
        if first != at:
            found.append((at, first))
    return np.array(found, dtype=np.int64).reshape(-1, 2)
