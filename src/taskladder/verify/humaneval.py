"""HumanEval-format problems as sandbox programs (prompt + completion, then ``check``).

A HumanEval row has ``prompt`` (signature and docstring), ``canonical_solution`` (the body),
``test`` (defines ``check(candidate)``) and ``entry_point`` (the function's name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DataError
from ..jsonl import iter_jsonl


def load_humaneval(path: str | Path) -> list[dict[str, Any]]:
    """Read ``HumanEval.jsonl[.gz]``; a malformed line raises DataError naming it."""
    path = Path(path)
    rows = []
    for lineno, row in iter_jsonl(path):
        missing = {"prompt", "test", "entry_point"} - row.keys()
        if missing:
            raise DataError(str(path), f"missing {sorted(missing)}", row=lineno)
        rows.append(row)
    return rows


def humaneval_program(problem: dict[str, Any], completion: str | None = None) -> tuple[str, str]:
    """(code, tests) for ``run_python``: the prompt plus ``completion`` (default: the canonical
    solution), and the problem's tests followed by ``check(entry_point)``."""
    body = problem["canonical_solution"] if completion is None else completion
    code = problem["prompt"] + body
    tests = problem["test"] + f"\n\ncheck({problem['entry_point']})\n"
    return code, tests
