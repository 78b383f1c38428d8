"""Read one tensor, or a block of its rows, straight from a safetensors file.

Plain reads into a fresh buffer rather than safe_open's memory map: pages of a mapped file
stay counted in the process's resident memory once touched, so a merge that reads whole
models through maps looks (and, without memory pressure, is) as big as its inputs.
"""

from __future__ import annotations

import io
import math
from typing import Any

from .folder import TensorInfo
from .writer import BYTES_PER_ELEMENT

TORCH_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64",
                "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "U16": "uint16", "U32": "uint32",
                "U64": "uint64", "BOOL": "bool", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2"}


def read_rows(fh: io.BufferedReader, info: TensorInfo, rows: slice | None = None) -> Any:
    """Rows ``rows`` (a step-1 slice of dim 0) of the tensor, or all of it."""
    import torch

    dtype = getattr(torch, TORCH_DTYPES[info.dtype])
    shape = info.shape
    row_bytes = BYTES_PER_ELEMENT[info.dtype] * math.prod(shape[1:]) if shape else BYTES_PER_ELEMENT[info.dtype]
    if rows is None or not shape:
        start, stop, out_shape = 0, (shape[0] if shape else 1), shape
    else:
        start, stop = rows.start, min(rows.stop, shape[0])
        out_shape = (stop - start, *shape[1:])
    size = (stop - start) * row_bytes
    if size == 0:
        return torch.empty(out_shape, dtype=dtype)
    buffer = bytearray(size)
    fh.seek(info.offset + start * row_bytes)
    if fh.readinto(buffer) != size:
        raise OSError(f"{info.file}: file ends early; it is truncated, copy it again")
    return torch.frombuffer(buffer, dtype=dtype).reshape(out_shape)
