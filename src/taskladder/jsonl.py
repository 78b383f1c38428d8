"""Read JSONL files one object per line, with errors that name the file and the line.

Judgments, guard scans, protected corpora, general chat data and HumanEval all arrive as
JSONL; one reader keeps their errors alike: ``DataError(file, message, row=line)``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import DataError


def iter_jsonl(path: str | Path, *, missing: str = "file not found") -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for every non-blank line (``.gz`` files are read transparently).

    Bad JSON, text that is not UTF-8 and lines that are not JSON objects raise ``DataError``
    naming the 1-based line; ``missing`` is the message when the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), missing)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DataError(str(path), "not UTF-8 text; re-save the file as UTF-8", line=lineno) from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(str(path), f"invalid JSON ({exc.msg}); each line must be one JSON object",
                                line=lineno) from None
            if not isinstance(obj, dict):
                raise DataError(str(path), f"expected a JSON object, got {type(obj).__name__}", line=lineno)
            yield lineno, obj
