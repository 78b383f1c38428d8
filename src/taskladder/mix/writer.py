"""Write a safetensors file one tensor at a time.

The format is an 8-byte header length, a JSON header giving every tensor's dtype, shape and
byte range, then the raw bytes. The merged tensors keep their inputs' shapes and dtypes, so
the header is known before any tensor is merged: it is written first and each merged tensor
goes to disk as soon as it exists. Memory then holds one output tensor, not a whole shard.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ..errors import TaskladderError

BYTES_PER_ELEMENT = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
                     "U16": 2, "U32": 4, "U64": 8, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}


def tensor_bytes(dtype: str, shape: tuple[int, ...]) -> int:
    if dtype not in BYTES_PER_ELEMENT:
        raise TaskladderError(f"tensor dtype {dtype} is not supported by mix; save the model as F32, F16 or BF16")
    return BYTES_PER_ELEMENT[dtype] * math.prod(shape)


class StreamingSafetensorsWriter:
    """``with StreamingSafetensorsWriter(path, [(name, dtype, shape), ...]) as w: w.write(name, t)`` in order."""

    def __init__(self, path: Path, layout: list[tuple[str, str, tuple[int, ...]]],
                 metadata: dict[str, str] | None = None):
        self.path = path
        self.layout = layout
        header: dict[str, Any] = {"__metadata__": dict(metadata or {"format": "pt"})}
        offset = 0
        for name, dtype, shape in layout:
            size = tensor_bytes(dtype, shape)
            header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
            offset += size
        text = json.dumps(header, separators=(",", ":")).encode()
        self._header = text + b" " * (-len(text) % 8)  # data starts 8-byte aligned, as safetensors writes it
        self._next = 0
        self._part_bytes = 0  # bytes of the current tensor written so far (it may come in row chunks)
        self._fh: IO[bytes] | None = None

    def __enter__(self) -> StreamingSafetensorsWriter:
        self._fh = self.path.open("wb")
        self._fh.write(len(self._header).to_bytes(8, "little"))
        self._fh.write(self._header)
        return self

    def write(self, name: str, tensor: Any) -> None:
        """All of tensor ``name``."""
        self.write_part(name, tensor)
        if self._part_bytes:
            raise RuntimeError(f"{name}: {tuple(tensor.shape)} is only part of {self.layout[self._next][2]}")

    def write_part(self, name: str, chunk: Any) -> None:
        """The next rows of tensor ``name`` (row-major, so its rows are consecutive bytes on disk)."""
        import torch

        expected, dtype, shape = self.layout[self._next]
        if name != expected:
            raise RuntimeError(f"writer expected {expected}, got {name}")
        assert self._fh is not None
        raw = chunk.detach().contiguous().reshape(-1).view(torch.uint8)
        self._fh.write(memoryview(raw.numpy()))
        self._part_bytes += raw.numel()
        size = tensor_bytes(dtype, shape)
        if self._part_bytes > size:
            raise RuntimeError(f"{name}: {self._part_bytes} bytes written, header says {size}")
        if self._part_bytes == size:
            self._next, self._part_bytes = self._next + 1, 0

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._fh is not None
        self._fh.close()
        if kind is None and self._next != len(self.layout):
            raise RuntimeError(f"{self.path}: wrote {self._next} of {len(self.layout)} tensors")
