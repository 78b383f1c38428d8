"""`taskladder validate FILE --format ...`: check a fine-tuning JSONL file before paying for a job.

Exit codes: 0 every line valid, 1 some line invalid, 2 unusable input (missing file, bad
arguments).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import TaskladderError
from ..finetune import validate_file
from .app import app, fail, print_json

_SHOWN_LINES = 10  # line numbers listed per category in the human summary


class _Format(str, Enum):
    openai_chat = "openai-chat"
    hf_messages = "hf-messages"
    dpo = "dpo"


def _human(report) -> None:  # report: ValidationReport (imported lazily)
    echo = typer.echo
    state = "OK" if report.ok else "INVALID"
    echo(f"{report.file} [{report.format}]: {report.lines} lines, {report.valid_lines} valid, "
         f"{report.invalid_lines} invalid -> {state}")
    for cat, n in report.counts.items():
        lines = report.lines_by_category[cat]
        shown = ", ".join(map(str, lines[:_SHOWN_LINES])) + (" ..." if len(lines) > _SHOWN_LINES else "")
        echo(f"  {cat}: {n} line{'s' if n != 1 else ''} ({shown})")
    for pr in report.problems[:_SHOWN_LINES]:
        echo(f"  line {pr.line}: {pr.category}: {pr.message}")
    if len(report.problems) > _SHOWN_LINES:
        echo(f"  ... {len(report.problems) - _SHOWN_LINES} more problems (--json lists them all)")
    t = report.tokens
    if t is not None:
        echo(f"tokens ({t.tokenizer}): {t.examples} examples, min {t.min}, p50 {t.p50}, mean {t.mean}, "
             f"p95 {t.p95}, max {t.max}")
        limit = "unknown" if report.context_limit is None else f"{report.context_limit:,}"
        echo(f"context limit: {limit}; over the limit: {report.over_context_limit}")
        echo(f"training tokens: {t.total:,} x {report.epochs} epochs = {report.training_tokens:,}")
        price = "unknown" if report.training_price_usd is None else f"${report.training_price_usd:,.2f}"
        echo(f"training price: {price} ({report.price_note})")


@app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="The JSONL file to check.")],
    fmt: Annotated[_Format, typer.Option("--format", "-f", help="openai-chat, hf-messages or dpo.")],
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Target model: its tokenizer, context limit and price (litellm).")
    ] = None,
    epochs: Annotated[
        int, typer.Option("--epochs", "-e", min=1, help="Epochs, for the total training tokens and price.")
    ] = 3,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object on stdout: every problem, counts, token stats.")
    ] = False,
) -> None:
    """Check every line of a fine-tuning file; count tokens against the model's context limit."""

    try:
        report = validate_file(file, fmt.value, model=model, epochs=epochs)
    except TaskladderError as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(report.to_json())
    else:
        _human(report)
    if not report.ok:
        raise typer.Exit(1)
