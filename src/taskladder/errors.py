"""User-facing errors.

Anything the user can fix (bad YAML, a missing column, an unknown model) raises
``TaskladderError``. The CLI turns it into one line on stderr and exit code 2; library
callers catch it like any exception. Internal bugs stay ordinary exceptions.

Exit codes of the CLI: 0 success; 2 the user must fix something (input, config, a model that
cannot be called: ``TaskladderError``); 3 a run failed (too many calls errored:
``RunFailedError``); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations


class TaskladderError(Exception):
    """An error the user can fix; its message says what to fix."""

    exit_code = 2


class DataError(TaskladderError):
    """A problem in a data file, located by file, row and field."""

    def __init__(self, file: str, message: str, row: int | None = None, field: str | None = None,
                 line: int | None = None):
        where = str(file)
        if row is not None:
            where += f", row {row}"
        if line is not None:  # text files read line by line (JSONL) say "line", tables "row"
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")
        self.file, self.row, self.field, self.line = file, row, field, line


class ConfigError(TaskladderError):
    """A problem in a task, models or pipeline YAML."""


class ModelAccessError(TaskladderError):
    """A model cannot be called: missing API key, unreachable server, unknown name."""


class StoreError(TaskladderError):
    """The store file cannot be used: not SQLite, or written by a newer taskladder."""


class RunFailedError(TaskladderError):
    """A run finished with more failed calls than the error-rate threshold allows: its score is not a result."""

    exit_code = 3
