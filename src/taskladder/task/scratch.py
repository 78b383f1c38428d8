"""An unnamed temporary file read and written at given offsets: where per-row data of a
million-row run lives instead of this process's memory (its pages are the kernel's page cache,
dropped under pressure, not counted in the process's resident set).

``os.pread``/``os.pwrite`` where the platform has them (no shared file position, so readers
never race); elsewhere a seek and a read or write under a lock.
"""

from __future__ import annotations

import os
import struct
import tempfile
import threading
from array import array
from collections.abc import Iterator

import numpy as np


class ScratchFile:
    """Bytes by offset in a temporary file that is removed when closed (or when the process ends)."""

    def __init__(self, prefix: str = "taskladder-") -> None:
        self._file = tempfile.TemporaryFile(prefix=prefix)
        self._fd = self._file.fileno()
        self._lock = threading.Lock()
        self.size = 0  # bytes appended by ``append``
        self._moved = False  # the file position left the end of the appended bytes (no pread/pwrite)
        # ``append`` left bytes in the file object's buffer: ``read`` flushes them first. Only
        # then: a flush was half of a small read's time (a packed row is read on every example).
        self._pending = False

    def append(self, data: bytes | bytearray) -> None:
        """``data`` after what ``append`` wrote before (buffered: ``read`` flushes first)."""
        with self._lock:
            if self._moved:  # a seek flushes, so appends only seek when they must
                self._file.seek(self.size)
                self._moved = False
            self._file.write(data)
            self._pending = True
            self.size += len(data)

    def read(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset``; zeros past what was ever written."""
        if self._pending:
            with self._lock:
                self._file.flush()
                self._pending = False
        data = self._pread(size, offset)
        while len(data) < size:  # one read returns at most ~2 GB (Linux), nothing past the end
            more = self._pread(size - len(data), offset + len(data))
            if not more:
                return data + bytes(size - len(data))
            data += more
        return data

    def read_into(self, offset: int, out: np.ndarray) -> None:
        """Fill ``out`` (a writable, contiguous array) with the bytes from ``offset``: no bytes
        object as large as ``out`` on the way (``read`` then a copy held both for a moment)."""
        view = out.data.cast("B")
        if not hasattr(os, "preadv"):  # pragma: no cover - platforms without preadv
            view[:] = self.read(offset, len(view))
            return
        if self._pending:
            with self._lock:
                self._file.flush()
                self._pending = False
        done = 0
        while done < len(view):
            got = os.preadv(self._fd, [view[done:]], offset + done)
            if not got:
                view[done:] = bytes(len(view) - done)  # past what was ever written: zeros
                return
            done += got

    def write_at(self, offset: int, data: bytes) -> None:
        """``data`` at ``offset`` (a gap before it reads as zeros)."""
        with self._lock:
            self._file.flush()
            self._pending = False
            if hasattr(os, "pwrite"):
                os.pwrite(self._fd, data, offset)
            else:  # pragma: no cover - platforms without pwrite
                self._file.seek(offset)
                self._file.write(data)
                self._file.flush()
                self._moved = True

    def _pread(self, size: int, offset: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._fd, size, offset)
        with self._lock:  # pragma: no cover - platforms without pread
            self._file.seek(offset)
            self._moved = True
            return self._file.read(size)

    def close(self) -> None:
        self._file.close()


_TAIL = 1 << 16  # values a spilled column holds in memory before they go to its file (512 KB)
_ONE = struct.Struct("=q")
_TWO = struct.Struct("=2q")


class Int64Column:
    """Integers appended in order and then read by position (a packed table's row offsets and id
    hashes, the duplicate log's hashes): in memory until ``spill``, then in a ``ScratchFile``
    with at most ``_TAIL`` values in memory, so a million rows hold no 8 MB array per column for
    the whole run. ``spill_after``: spill on its own past that many values (None: only when told).

    Native byte order: the file is this process's, never read elsewhere."""

    def __init__(self, prefix: str = "taskladder-col-", spill_after: int | None = None) -> None:
        self._prefix = prefix
        self._spill_after = spill_after
        self._tail = array("q")  # every value while in memory, else those not yet in the file
        self._file: ScratchFile | None = None
        self._flushed = 0  # values in the file

    def __len__(self) -> int:
        return self._flushed + len(self._tail)

    @property
    def spilled(self) -> bool:
        return self._file is not None

    def append(self, value: int) -> None:
        self._tail.append(value)
        if len(self._tail) >= _TAIL:
            if self._file is not None:
                self._flush()
            elif self._spill_after is not None and len(self._tail) >= self._spill_after:
                self.spill()

    def spill(self) -> None:
        """From now on the values live in a temporary file."""
        if self._file is None:
            self._file = ScratchFile(prefix=self._prefix)
            self._flush()

    def seal(self) -> None:
        """Every value in the file (a spilled column): ``bounds`` reads only the file."""
        if self._file is not None and self._tail:
            self._flush()

    def _flush(self) -> None:
        assert self._file is not None
        self._file.append(self._tail.tobytes())
        self._flushed += len(self._tail)
        self._tail = array("q")

    def bounds(self, at: int) -> tuple[int, int]:
        """The values at ``at - 1`` (0 for ``at == 0``) and ``at``: a row's start and end offsets,
        one 16-byte ``pread`` when spilled (``seal`` first)."""
        if self._file is None:
            return (self._tail[at - 1] if at else 0), self._tail[at]
        if at:
            start, end = _TWO.unpack(self._file.read(8 * (at - 1), 16))
            return start, end
        return 0, _ONE.unpack(self._file.read(0, 8))[0]

    def values(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Values ``start`` to ``stop`` as a new array (the whole column: 8 bytes a value, for a moment)."""
        stop = len(self) if stop is None else min(stop, len(self))
        if stop <= start:
            return np.empty(0, dtype=np.int64)
        if self._file is None:
            return np.array(self._tail[start:stop], dtype=np.int64)
        self.seal()
        out = np.empty(stop - start, dtype=np.int64)
        self._file.read_into(8 * start, out)
        return out

    def chunks(self, size: int = _TAIL) -> Iterator[np.ndarray]:
        """The values in order, ``size`` at a time."""
        for start in range(0, len(self), size):
            yield self.values(start, start + size)

    def __getstate__(self) -> dict[str, object]:
        # A copy for another process: the values themselves, in memory (the file is this process's).
        return {
            "_prefix": self._prefix,
            "_spill_after": self._spill_after,
            "_tail": array("q", self.values().tobytes()),
        }

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, _file=None, _flushed=0)
