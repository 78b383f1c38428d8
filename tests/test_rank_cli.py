"""`taskladder rank JUDGMENTS.jsonl [--json]`."""

from __future__ import annotations

import json
import math

import numpy as np
from typer.testing import CliRunner

from taskladder.cli import app

runner = CliRunner()


def _write(path, strength, n_items=40, bias=0.0, seed=0):
    rng = np.random.default_rng(seed)
    names = list(strength)
    with path.open("w") as fh:
        for it in range(n_items):
            for _ in range(4):
                a, b = rng.choice(names, 2, replace=False)
                for first in ("a", "b"):
                    d = strength[a] - strength[b] + (bias if first == "a" else -bias)
                    w = "a" if rng.random() < 1 / (1 + math.exp(-d)) else "b"
                    fh.write(json.dumps({"item": it, "a": a, "b": b, "winner": w, "first": first}) + "\n")
    return path


def test_rank_json(tmp_path):
    path = _write(tmp_path / "j.jsonl", {"strong": 1.5, "mid": 0.0, "weak": -1.5}, bias=0.8)
    res = runner.invoke(app, ["rank", str(path), "--json", "--bootstrap", "50"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["name"] for r in out["ratings"]] == ["strong", "mid", "weak"]
    assert out["n_judgments"] == 320 and out["n_items"] == 40
    for r in out["ratings"]:
        assert set(r) == {"name", "rating", "ci_low", "ci_high", "rank_low", "rank_high"}
        assert r["ci_low"] <= r["rating"] <= r["ci_high"] and 1 <= r["rank_low"] <= r["rank_high"] <= 3
    assert abs(np.mean([r["rating"] for r in out["ratings"]]) - 1000) < 1e-6
    pb = out["position_bias"]
    assert pb["first_slot_share"] > 0.55 and pb["n_swapped_pairs"] == 160
    assert out["first_position_elo"] > 50


def test_rank_table(tmp_path):
    path = _write(tmp_path / "j.jsonl", {"alpha": 1.0, "beta": 0.0})
    res = runner.invoke(app, ["rank", str(path), "--bootstrap", "20"])
    assert res.exit_code == 0, res.output
    assert "alpha" in res.stdout and "beta" in res.stdout and "interval" in res.stdout
    assert res.stdout.index("alpha") < res.stdout.index("beta")


def test_rank_bad_line_is_one_line_with_its_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"item": 1, "a": "x", "b": "y", "winner": "a"}\n\n{"item": 2, "a": "x", "b": "y", "winner": "left"}\n')
    res = runner.invoke(app, ["rank", str(path)])
    assert res.exit_code == 2
    assert "row 3" in res.output and "winner" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    path.write_text('{"item": 1, "a": "x", "b": "y", "winner": "a"}\nnot json\n')
    res = runner.invoke(app, ["rank", str(path), "--json"])
    assert res.exit_code == 2 and "line 2" in res.output and "JSON" in res.output
    res = runner.invoke(app, ["rank", str(tmp_path / "missing.jsonl")])
    assert res.exit_code == 2 and "not found" in res.output
