"""A store file taskladder cannot use is refused in one line (exit 2, no traceback), and the
file is left byte-for-byte as it was."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from taskladder.store import SCHEMA_VERSION


def cli(*args, home):
    """The real entry point in a subprocess: real exit code, real stderr."""
    env = {**os.environ, "TASKLADDER_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "taskladder", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120)


def assert_one_line_refusal(home, *expected: str) -> None:
    path = home / "taskladder.sqlite"
    before = path.read_bytes()
    for command in (["runs"], ["export-records", "someid"], ["cache", "stats"]):
        out = cli(*command, home=home)
        assert out.returncode == 2, out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
        assert lines[0].startswith("error: ") and str(path) in lines[0]
        for phrase in expected:
            assert phrase in lines[0]
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"this is not a database, just some notes\n" * 50, os.urandom(4096)],
                         ids=["text", "random-bytes"])
def test_a_file_that_is_not_sqlite(tmp_path, content):
    home = tmp_path / "home"
    home.mkdir()
    (home / "taskladder.sqlite").write_bytes(content)
    assert_one_line_refusal(home, "is not a SQLite file", "TASKLADDER_HOME")


def test_a_store_from_a_newer_taskladder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with sqlite3.connect(home / "taskladder.sqlite") as con:  # what a future version might leave behind
        con.execute("CREATE TABLE runs (run_id TEXT PRIMARY KEY, shiny_new_column TEXT)")
        con.execute("INSERT INTO runs VALUES ('r1', 'x')")
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()
    assert_one_line_refusal(home, f"newer taskladder (schema {SCHEMA_VERSION + 5}, this one knows {SCHEMA_VERSION})",
                            "upgrade taskladder or set TASKLADDER_HOME")
