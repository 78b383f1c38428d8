"""`--backend` on every command that starts runs, checked before any work: without the `ray`
extra, `--backend ray` names the extra to install in one line (exit 2), as does a bad value."""

from __future__ import annotations

import pytest
from helpers import sentiment_rows, write_task
from test_without_extras import cli_without_extras

RAY_HINT = "--backend ray needs Ray: pip install 'taskladder[ray]'"


@pytest.mark.parametrize("command", ["eval", "climb", "synth", "arena"])
def test_backend_ray_without_the_extra_names_it_in_one_line(tmp_path, command):
    task = write_task(tmp_path / "t", sentiment_rows(12))
    args = {"eval": ["eval", task, "-m", "baseline/majority"], "climb": ["climb", task, "-m", "loop"],
            "synth": ["synth", task, "--recipe", tmp_path / "recipe.yaml"],
            "arena": ["arena", "run-a", "run-b", "--judge", "loop"]}[command]
    out = cli_without_extras(*args, "--backend", "ray", home=tmp_path / "h")
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and RAY_HINT in lines[0], out.stderr
    assert not (tmp_path / "h" / "taskladder.sqlite").exists()  # checked before any work


@pytest.mark.parametrize(("flags", "message"), [
    (["--backend", "dask"], "--backend: 'dask' is not one of local, ray"),
    (["--address", "10.0.0.5:6379"], "--address only applies with --backend ray"),
])
def test_a_bad_backend_choice_is_one_line(tmp_path, flags, message):
    task = write_task(tmp_path / "t", sentiment_rows(12))
    out = cli_without_extras("eval", task, "-m", "baseline/majority", *flags, home=tmp_path / "h")
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and message in lines[0], out.stderr
