"""Shared fixtures.

Real datasets live in ../shared/data beside the checkout. A user's clone does not have it:
tests that need it skip with a clear reason, and CI (TASKLADDER_REQUIRE_SHARED=1) turns
that skip into a failure so they cannot silently stop running.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TASKLADDER_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """Path under ../shared/data, or skip (fail in CI) when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is absent (real datasets live in ../shared/data beside the checkout)"
        if os.environ.get("TASKLADDER_REQUIRE_SHARED") == "1":
            pytest.fail(reason + "; CI requires it")
        pytest.skip(reason)
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own store, so tests never share a cache by accident."""
    monkeypatch.setenv("TASKLADDER_HOME", str(tmp_path / ".taskladder"))
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield


@pytest.fixture(scope="session")
def ray_cluster():
    """A head + one worker Ray node on loopback, shared by every Ray test of the session
    (tests/ray_cluster.py); skipped without the `ray` extra."""
    pytest.importorskip("ray")
    from ray_cluster import local_cluster

    with local_cluster() as address:
        yield address
