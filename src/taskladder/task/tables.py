"""Read a table file (CSV, JSONL, Parquet, XLSX) into a list of row dicts.

Errors name the file (and the row where there is one) and say how to fix them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import DataError

SUPPORTED = (".csv", ".tsv", ".jsonl", ".json", ".parquet", ".xlsx")


def read_table(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise DataError(str(path), "file not found; check the path (relative paths resolve from the task YAML)")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return _read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    if suffix in (".jsonl", ".json"):
        return _read_jsonl(path)
    if suffix == ".parquet":
        return _read_with_pandas(path, "parquet")
    if suffix == ".xlsx":
        return _read_with_pandas(path, "excel")
    raise DataError(str(path), f"unsupported file type '{suffix}'; use one of {', '.join(SUPPORTED)}")


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None or best.encoding in (None, "ascii"):
            line = raw[: exc.start].count(b"\n") + 1
            raise DataError(
                str(path), f"unreadable encoding near line {line} (not UTF-8); re-save the file as UTF-8"
            ) from None
        return str(best)


def _read_csv(path: Path, sep: str) -> list[dict[str, Any]]:
    import csv
    import io

    text = _decode(path)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sep)
    if not reader.fieldnames:
        raise DataError(str(path), "the file is empty; it needs a header row and at least one data row")
    rows = []
    for i, row in enumerate(reader, start=2):  # row 1 is the header
        if None in row:
            raise DataError(str(path), "more values than header columns; quote fields that contain the separator", row=i)
        rows.append({k: ("" if v is None else v) for k, v in row.items()})
    return rows


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    text = _decode(path)
    if path.suffix.lower() == ".json" and text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(str(path), f"invalid JSON ({exc.msg}) at line {exc.lineno}") from None
        return [dict(r) for r in data]
    rows = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(str(path), f"invalid JSON ({exc.msg}); each line must be one JSON object", row=i) from None
        if not isinstance(obj, dict):
            raise DataError(str(path), "each line must be a JSON object", row=i)
        rows.append(obj)
    return rows


def _read_with_pandas(path: Path, kind: str) -> list[dict[str, Any]]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path) if kind == "parquet" else pd.read_excel(path)
    except Exception as exc:  # pandas raises many types; all mean "cannot read this file"
        raise DataError(str(path), f"cannot read as {kind}: {exc}") from None
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict(orient="records")
