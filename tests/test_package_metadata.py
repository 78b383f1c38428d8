"""What a user sees of the package itself: --version, the licence and the index metadata."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import taskladder
from taskladder.cli import app

REPO = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")


def test_version_flag():
    out = CliRunner().invoke(app, ["--version"])
    assert out.exit_code == 0 and out.output.strip() == f"taskladder {taskladder.__version__}"


def test_version_matches_pyproject():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert meta["version"] == taskladder.__version__


def test_apache_license_file_and_index_metadata():
    assert "Apache License" in (REPO / "LICENSE").read_text() and "Version 2.0" in (REPO / "LICENSE").read_text()
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert {"Homepage", "Source", "Issues"} <= set(meta["urls"])
    assert "License :: OSI Approved :: Apache Software License" in meta["classifiers"]
    assert any(c.startswith("Programming Language :: Python :: 3.1") for c in meta["classifiers"])
