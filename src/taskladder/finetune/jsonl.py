"""JSONL files written whole or not at all."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..redaction import redact_text


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write one JSON object per line (UTF-8, ``\\n``-terminated); return the line count.

    Written to a temporary file and renamed, so an interrupted export never leaves half a file
    that would later validate as "fewer lines".
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as f:
        for rec in records:
            f.write(redact_text(json.dumps(rec, ensure_ascii=False, separators=(",", ":"))) + "\n")
            n += 1
    os.replace(tmp, p)
    return n
