"""The dataset file (``dataset.jsonl``: one ``SynthRow`` per line, lineage included), what it
is made of, and its exports."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import DataError, TaskladderError
from ..finetune import PairwiseWin, export_chat, export_dpo, write_jsonl
from .render import export_row
from .rows import SynthRow

DATASET_FILE = "dataset.jsonl"


def write_dataset(rows: list[SynthRow], path: str | Path) -> int:
    return write_jsonl((_line(r) for r in rows), path)


def _line(row: SynthRow) -> dict[str, Any]:
    data = row.model_dump(mode="json", exclude_none=True)
    if not data.get("rejected"):
        data.pop("rejected", None)
    return data


def read_dataset(path: str | Path) -> list[SynthRow]:
    """Rows of a dataset file written by ``taskladder synth`` (a folder holding one works too)."""
    p = Path(path)
    if p.is_dir():
        p = p / DATASET_FILE
    if not p.is_file():
        raise DataError(str(p), f"no such file; give a {DATASET_FILE} written by `taskladder synth` (or its folder)")
    rows = []
    for no, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(SynthRow.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "(line)"
            raise DataError(str(p), f"not a synth dataset row ({where}: {first['msg']})", row=no) from None
    if not rows:
        raise DataError(str(p), "the dataset has no rows")
    return rows


def composition(rows: list[SynthRow]) -> dict[str, Any]:
    """What the dataset is made of: rows by view, by origin and by lineage chain (e.g.
    ``source>flip>rationale``), as counts and shares; and how
    many carry a rationale, a rationalized one, a DPO rejected reply, a judge score."""
    n = len(rows)

    def share(counter: Counter[str]) -> dict[str, dict[str, Any]]:
        return {k: {"rows": v, "share": round(v / n, 4) if n else 0.0} for k, v in sorted(counter.items())}

    return {
        "rows": n,
        "by_view": share(Counter(r.view for r in rows)),
        "by_origin": share(Counter(r.origin for r in rows)),
        "by_lineage": share(Counter(">".join(r.chain) for r in rows)),
        "with_rationale": sum(1 for r in rows if r.rationale),
        "rationalized": sum(1 for r in rows if r.lineage and r.lineage.params.get("rationalized")),
        "with_rejected": sum(1 for r in rows if r.rejected),
        "judged": sum(1 for r in rows if r.judge_score is not None),
    }


def dpo_wins(rows: list[SynthRow]) -> list[PairwiseWin]:
    """Preference pairs: the row's answer beat each wrong reply the model gave for its prompt."""
    return [PairwiseWin(prompt=r.prompt, chosen=r.answer, rejected=bad)
            for r in rows if r.rejected and r.prompt and r.answer for bad in r.rejected]


def export_dataset(rows: list[SynthRow], out_dir: str | Path, spec: Any, *, validation_fraction: float = 0.1,
                   seed: int = 0) -> dict[str, Any]:
    """Write one export (an ``ExportSpec``) of ``rows`` under ``out_dir``; a summary dict.

    Paths in the summary are relative to ``out_dir``'s parent when possible, so the summary of
    a synth run does not depend on where the run's folder sits.
    """
    out = Path(out_dir)
    try:
        if spec.format == "dpo":
            wins = dpo_wins(rows)
            if not wins:
                return {"name": spec.folder, "format": "dpo", "status": "skipped",
                        "reason": "no preference pairs: no row has a rejected reply (rationales with gold)"}
            res = export_dpo(wins, out, validation_fraction=validation_fraction, seed=seed, prefix="",
                             model=spec.model)
        else:
            res = export_chat([export_row(r) for r in rows], out, fmt=spec.format, style=spec.style,
                              validation_fraction=validation_fraction, seed=seed,
                              train_reasoning=spec.train_reasoning, model=spec.model)
    except TaskladderError as exc:
        if str(exc).startswith("nothing to export"):
            return {"name": spec.folder, "format": spec.format, "style": spec.style, "status": "skipped",
                    "reason": str(exc)}
        raise
    base = out.parent
    files = [p for p in (res.train_path, res.validation_path) if p]
    return {
        "name": spec.folder, "format": res.format, "style": res.style, "status": "written",
        "files": [_rel(p, base) for p in files], "train_rows": res.train_rows,
        "validation_rows": res.validation_rows, "skipped": dict(sorted(res.skipped.items())),
        "tokens": [r.tokens.model_dump() for r in res.reports if r.tokens is not None],
    }


def _rel(path: str, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return path


def _json_default(obj: Any) -> Any:
    return str(obj)


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=_json_default) + "\n"
