"""`taskladder init DATA.csv`: scaffold a task YAML from a table."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..errors import TaskladderError
from ..task.scaffold import scaffold_task, sibling_splits
from .app import app


@app.command("init")
def init_command(
    data_file: Path = typer.Argument(..., help="CSV, JSONL, Parquet or XLSX with a header."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", "--out", help="Task YAML to write (default: ./task.yaml); missing folders are created."),
    outputs: List[str] = typer.Option([], "--output-field", help="Column(s) the model must produce (default: the last column)."),
    name: Optional[str] = typer.Option(None, "--name"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a task spec guessed from a table: inputs, typed outputs, a seeded split."""

    target = output or Path("task.yaml")  # where the user is, not beside the data
    if target.is_dir():
        target = target / "task.yaml"
    if target.exists() and not force:
        raise TaskladderError(f"{target} exists; pass --force to overwrite or -o to choose another file")
    siblings = sibling_splits(data_file)
    text = scaffold_task(data_file, outputs=outputs or None, name=name, relative_to=target.parent, siblings=siblings)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TaskladderError(f"cannot write {target} ({exc.strerror}); choose another file with -o") from None
    found = "".join(f"; {k}: {p}" for k, p in sorted(siblings.items())) if "test" in siblings else ""
    typer.echo(f"wrote {target}{found}; review `instructions` and `outputs`, then run: "
               f"taskladder eval {target} -m baseline/all")
