"""`taskladder guard scan FILE.jsonl --field text`: run the guard over a JSONL file.

Prints one decision per row and a summary (rows per decision, rows each check fired on,
guard latency); ``--json`` prints ``{"rows": [...], "summary": {...}}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import typer

from ..errors import TaskladderError
from ..guard import Guard, GuardConfig
from ..jsonl import iter_jsonl
from .app import app, fail, print_json

guard_app = typer.Typer(help="Rule-based input/output guards.", no_args_is_help=True)
app.add_typer(guard_app, name="guard")


def _rows(path: Path, field: str) -> Iterator[tuple[int, str]]:
    """(line number, text) for each non-blank line; bad lines raise naming file and line."""

    for lineno, row in iter_jsonl(path):
        where = f"{path}, line {lineno}"
        if field not in row:
            have = ", ".join(sorted(row)) or "none"
            raise TaskladderError(f"{where}: no field '{field}' (fields: {have}); choose one with --field")
        value = row[field]
        if not isinstance(value, str):
            raise TaskladderError(f"{where}: field '{field}' is {type(value).__name__}, expected a string")
        yield lineno, value


@guard_app.command("scan")
def scan(
    file: Path = typer.Argument(..., help="JSONL file, one JSON object per line."),
    field: str = typer.Option("text", "--field", help="Which field of each row to check."),
    config: Path | None = typer.Option(None, "--config", help="Guard YAML (defaults when absent)."),
    stage: str = typer.Option("input", "--stage", help="input (user prompts) or output (model answers)."),
    language: str | None = typer.Option(None, "--language", help="Expected language of outputs (ISO 639-1)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Run the guard over every row and print a decision per row and a summary."""

    if stage not in ("input", "output"):
        fail(f"--stage must be input or output, not {stage!r}")
    try:
        guard = Guard(GuardConfig.from_yaml(config) if config else GuardConfig())
        texts = list(_rows(file, field))  # read it all first: a bad line fails before any output
        rows: list[dict[str, Any]] = []
        decisions = {"allow": 0, "warn": 0, "redact": 0, "block": 0}
        per_check: dict[str, int] = {}
        latencies: list[float] = []
        for lineno, text in texts:
            if stage == "input":
                d = guard.check_input(text)
            else:
                d = guard.check_output(text, expected_language=language)
            decisions[d.decision] += 1
            for name in {f.check for f in d.findings}:
                per_check[name] = per_check.get(name, 0) + 1
            latencies.append(d.total_us)
            rows.append({"row": lineno, "decision": d.decision,
                         "findings": [f.model_dump(mode="json", exclude_none=True) for f in d.findings]})
            if not as_json:
                typer.echo(f"row {lineno}: {d.summary()}")
    except TaskladderError as exc:
        fail(str(exc))
        return
    lat = _latency_summary(latencies)
    summary = {
        "file": str(file),
        "stage": stage,
        "rows": len(rows),
        "decisions": decisions,
        "checks": dict(sorted(per_check.items())),
        "latency_us": lat,
    }
    if as_json:
        print_json({"rows": rows, "summary": summary})
        return
    counts = ", ".join(f"{k} {v}" for k, v in decisions.items())
    typer.echo(f"{len(rows)} rows: {counts}")
    if per_check:
        typer.echo("checks fired: " + ", ".join(f"{k} {v}" for k, v in sorted(per_check.items())))
    if lat:
        typer.echo(f"guard latency per row: mean {lat['mean']:.0f} us, p95 {lat['p95']:.0f} us,"
                   f" max {lat['max']:.0f} us")


def _latency_summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {"mean": round(sum(values) / len(values), 1), "p95": p95, "max": ordered[-1]}
