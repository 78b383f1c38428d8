"""`taskladder init DATA.csv`: scaffold a task YAML from a table."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .app import app


@app.command("init")
def init_command(
    data_file: Path = typer.Argument(..., help="CSV, JSONL, Parquet or XLSX with a header."),
    output: Optional[Path] = typer.Option(None, "-o", "--out", "--output", help="Task YAML to write (default: task.yaml beside the data)."),
    outputs: List[str] = typer.Option([], "--output-field", help="Column(s) the model must produce (default: the last column)."),
    name: Optional[str] = typer.Option(None, "--name"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a task spec guessed from a table: inputs, typed outputs, a seeded split."""
    from ..errors import TaskladderError
    from ..task.scaffold import scaffold_task

    target = output or data_file.parent / "task.yaml"
    if target.exists() and not force:
        raise TaskladderError(f"{target} exists; pass --force to overwrite or -o to choose another file")
    text = scaffold_task(data_file, outputs=outputs or None, name=name, relative_to=target.parent)
    target.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {target}; review `instructions` and `outputs`, then run: taskladder eval {target} -m baseline/all")
