"""An unnamed temporary file read and written at given offsets: where per-row data of a
million-row run lives instead of this process's memory (its pages are the kernel's page cache,
dropped under pressure, not counted in the process's resident set).

``os.pread``/``os.pwrite`` where the platform has them (no shared file position, so readers
never race); elsewhere a seek and a read or write under a lock.
"""

from __future__ import annotations

import os
import tempfile
import threading


class ScratchFile:
    """Bytes by offset in a temporary file that is removed when closed (or when the process ends)."""

    def __init__(self, prefix: str = "taskladder-") -> None:
        self._file = tempfile.TemporaryFile(prefix=prefix)
        self._fd = self._file.fileno()
        self._lock = threading.Lock()
        self.size = 0  # bytes appended by ``append``
        self._moved = False  # the file position left the end of the appended bytes (no pread/pwrite)

    def append(self, data: bytes | bytearray) -> None:
        """``data`` after what ``append`` wrote before (buffered: ``read`` flushes first)."""
        with self._lock:
            if self._moved:  # a seek flushes, so appends only seek when they must
                self._file.seek(self.size)
                self._moved = False
            self._file.write(data)
            self.size += len(data)

    def read(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset``; zeros past what was ever written."""
        with self._lock:
            self._file.flush()
        data = self._pread(size, offset)
        while len(data) < size:  # one read returns at most ~2 GB (Linux), nothing past the end
            more = self._pread(size - len(data), offset + len(data))
            if not more:
                return data + bytes(size - len(data))
            data += more
        return data

    def write_at(self, offset: int, data: bytes) -> None:
        """``data`` at ``offset`` (a gap before it reads as zeros)."""
        with self._lock:
            self._file.flush()
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
