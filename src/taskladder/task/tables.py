"""Read a table file (CSV, JSONL, Parquet, XLSX) as row dicts, one at a time or as a list.

Errors name the file (and the row where there is one) and say how to fix them. ``iter_table``
yields rows as it parses them, and reads a CSV or JSONL file a line at a time, so a loader that
keeps rows compactly never holds them all as dicts (at a million rows the dicts alone were
~350 MB) nor the file's bytes or text (~50 MB each).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import DataError
from .decoding import decode_text, decoded_lines, split_lines
from .separator import SAMPLE_CHARS, detect_separator

SUPPORTED = (".csv", ".tsv", ".jsonl", ".json", ".parquet", ".xlsx")


def read_table(path: Path, encoding: str | None = None, separator: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``path``. ``encoding`` and ``separator`` (task.yaml's ``data.encoding`` and
    ``data.separator``) override the detected ones."""
    return list(iter_table(path, encoding, separator))


def iter_table(path: Path, encoding: str | None = None, separator: str | None = None) -> Iterator[dict[str, Any]]:
    """``read_table``'s rows, one at a time (a CSV or JSONL file is read a line at a time)."""
    if path.is_dir():
        raise DataError(str(path), "is a folder, not a data file; point the task at a CSV, JSONL, Parquet or XLSX file")
    if not path.exists():
        raise DataError(str(path), "file not found; check the path (relative paths resolve from the task YAML)")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        lines = decoded_lines(path, encoding)
        if separator:
            return _read_csv(path, lines, separator)
        head = _head(lines, SAMPLE_CHARS)
        sep = detect_separator("".join(head), "\t" if suffix == ".tsv" else ",")
        return _read_csv(path, itertools.chain(head, lines), sep)
    if suffix == ".jsonl":
        return _read_jsonl(path, decoded_lines(path, encoding))
    if suffix == ".json":  # maybe one JSON array, parsed whole; else JSON lines
        text = decode_text(path, encoding)
        return _read_json_array(path, text) if text.lstrip().startswith("[") else _read_jsonl(path, split_lines(text))
    if suffix == ".parquet":
        return iter(_read_with_pandas(path, "parquet"))
    if suffix == ".xlsx":
        return iter(_read_with_pandas(path, "excel"))
    raise DataError(str(path), f"unsupported file type '{suffix}'; use one of {', '.join(SUPPORTED)}")


def _head(lines: Iterator[str], chars: int) -> list[str]:
    """The first lines of ``lines`` up to more than ``chars`` characters in all (fewer: the whole
    file): as much as ``detect_separator`` reads of a whole text, and whether there is more."""
    head: list[str] = []
    size = 0
    for line in lines:
        head.append(line)
        size += len(line)
        if size > chars:
            break
    return head


def _read_csv(path: Path, lines: Iterable[str], sep: str) -> Iterator[dict[str, Any]]:
    reader = csv.DictReader(lines, delimiter=sep)
    try:
        if not reader.fieldnames:
            raise DataError(str(path), "the file is empty; it needs a header row and at least one data row")
        for row in reader:
            if None in row:
                raise DataError(
                    str(path),
                    f"more values than header columns (separator {sep!r}); quote fields that contain "
                    "the separator, or set `separator:` under `data:` in task.yaml",
                    row=reader.line_num,
                )
            yield {k: ("" if v is None else v) for k, v in row.items()}
    except csv.Error as exc:
        row_no = reader.line_num + (1 if "field larger" in str(exc) else 0)
        if "field larger" in str(exc):
            limit_kb = csv.field_size_limit() // 1024
            raise DataError(
                str(path),
                f"a cell is larger than {limit_kb} KB, the CSV reader's limit; store long texts "
                "in a JSONL file (one JSON object per line) instead",
                row=row_no,
            ) from None
        raise DataError(str(path), f"not valid CSV ({exc}); check the quoting", row=row_no) from None


def _read_json_array(path: Path, text: str) -> Iterator[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(str(path), f"invalid JSON ({exc.msg}) at line {exc.lineno}") from None
    return (dict(r) for r in data)


def _read_jsonl(path: Path, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(str(path), f"invalid JSON ({exc.msg}); each line must be one JSON object", row=i) from None
        if not isinstance(obj, dict):
            raise DataError(str(path), "each line must be a JSON object", row=i)
        yield obj


def _read_with_pandas(path: Path, kind: str) -> list[dict[str, Any]]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path) if kind == "parquet" else pd.read_excel(path)
    except Exception as exc:  # pandas raises many types; all mean "cannot read this file"
        raise DataError(str(path), f"cannot read as {kind}: {exc}") from None
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict(orient="records")
