"""`taskladder guard scan`: per-row decisions, summary, JSON shape, and one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from taskladder.cli import app

runner = CliRunner()


@pytest.fixture
def rows_file(tmp_path):
    rows = [
        {"id": 1, "text": "How do I reset my card PIN?"},
        {"id": 2, "text": "poem " * 60},
        {"id": 3, "text": "\n".join(f"User: q{i}\nAssistant: a{i}" for i in range(10))},
        {"id": 4, "text": "hidden\u200bchar"},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    return path


def test_scan_json_has_a_row_per_line_and_a_summary(rows_file):
    result = runner.invoke(app, ["guard", "scan", str(rows_file), "--field", "text", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [r["row"] for r in out["rows"]] == [1, 2, 3, 4]
    assert [r["decision"] for r in out["rows"]] == ["allow", "block", "block", "redact"]
    assert out["rows"][2]["findings"][0]["check"] == "many_shot"
    assert set(out["rows"][1]["findings"][0]) >= {"check", "span", "score", "threshold", "message"}
    s = out["summary"]
    assert s["rows"] == 4 and s["decisions"] == {"allow": 1, "warn": 0, "redact": 1, "block": 2}
    assert s["checks"]["many_shot"] == 1 and s["checks"]["invisible_chars"] == 1


def test_scan_text_output_and_config(rows_file, tmp_path):
    cfg = tmp_path / "guard.yaml"
    cfg.write_text("input:\n  many_shot: {action: warn}\n  repeated_unit: {enabled: false}\n  dominant_token: {enabled: false}\n")
    result = runner.invoke(app, ["guard", "scan", str(rows_file), "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "row 1: allow"
    assert lines[1] == "row 2: allow"  # the repetition checks are off
    assert lines[2].startswith("row 3: warn: many_shot")
    assert "4 rows: allow 2, warn 1, redact 1, block 0" in result.stdout


def test_scan_output_stage_checks_language(tmp_path):
    path = tmp_path / "out.jsonl"
    en = "The model answered in English although the user wrote in Spanish and asked for Spanish."
    es = "El modelo respondió en español como le pidió el usuario, con todos los detalles del caso."
    path.write_text(json.dumps({"answer": es}) + "\n" + json.dumps({"answer": en}) + "\n")
    result = runner.invoke(app, ["guard", "scan", str(path), "--field", "answer", "--stage", "output",
                                 "--language", "es", "--json"])
    assert result.exit_code == 0, result.output
    assert [r["decision"] for r in json.loads(result.stdout)["rows"]] == ["allow", "warn"]


@pytest.mark.parametrize("content,needle", [
    ('{"text": "ok"}\n{not json}\n', "line 2: invalid JSON"),
    ('{"text": "ok"}\n{"body": "x"}\n', "line 2: no field 'text' (fields: body)"),
    ('{"text": 3}\n', "line 1: field 'text' is int"),
    ('["a"]\n', "line 1: expected a JSON object"),
])
def test_scan_bad_lines_are_one_line_errors(tmp_path, content, needle):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    result = runner.invoke(app, ["guard", "scan", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing half-printed before the error
    err = result.stderr.strip()
    assert "\n" not in err and str(path) in err and needle in err


def test_scan_missing_file_and_bad_config(tmp_path):
    result = runner.invoke(app, ["guard", "scan", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "file not found" in result.stderr
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "x"}\n')
    cfg = tmp_path / "guard.yaml"
    cfg.write_text("input:\n  many_shot: {action: redact}\n")
    result = runner.invoke(app, ["guard", "scan", str(path), "--config", str(cfg)])
    assert result.exit_code == 2 and "input.many_shot" in result.stderr
