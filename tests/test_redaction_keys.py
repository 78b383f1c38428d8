"""A credential that was sent never reaches a file, whatever its shape and wherever it came from."""

from __future__ import annotations

import json
import logging

from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli.app import app
from taskladder.models.config import ModelConfig
from taskladder.redaction import redact_text, redact_value, remember_credential
from taskladder.report.render import write_report
from taskladder.runner import evaluate
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.testing import LoopbackServer

# Shaped like nothing the pattern-based scrubber knows: no sk-/Bearer/AIza prefix.
ODD_KEY = "plum~42:hat/Zq7=wind.Rx"


def _all_written_bytes(root) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_key_sent_without_api_key_env_and_echoed_back_is_in_no_file(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TASKLADDER_HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", ODD_KEY)  # the fallback the openai transport uses
    log_file = tmp_path / "logs" / "run.log"
    log_file.parent.mkdir()
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    task = load_task(write_task(tmp_path / "t", sentiment_rows(20)))
    try:
        # The provider echoes the key it was sent back in its answer (as some error pages do).
        with LoopbackServer(lambda request: f"pos (key used: {ODD_KEY})") as srv:
            models = {"loop": ModelConfig(name="loop", model="openai/loopback", api_base=srv.base_url,
                                          transport="openai", concurrency=2, timeout_s=5)}
            result = evaluate(task, "loop", models=models, progress=False, store=Store())
        assert result.summary["calls"] > 0
        # The echo came back and was scrubbed on the way to disk (a run's records are read back from
        # the store, so even the in-memory result never holds the key).
        stored = Store().get_records(result.run.run_id)
        assert any("[redacted]" in (r.raw_text or "") for r in stored)
        assert not any(ODD_KEY in (r.raw_text or "") for r in result.records)
        logging.getLogger("taskladder.test").warning("provider said: %s", result.records[0].raw_text)
        logging.getLogger("taskladder.test").warning("unscrubbed in the call: %s", ODD_KEY)
        run_id = result.run.run_id
        runner = CliRunner()
        (tmp_path / "exports").mkdir()
        for out in ("records.jsonl", "records.csv"):
            res = runner.invoke(app, ["export-records", run_id, "-o", str(tmp_path / "exports" / out)],
                                catch_exceptions=False)
            assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["export-records", run_id], catch_exceptions=False)
        assert res.exit_code == 0 and ODD_KEY not in res.output and "[redacted]" in res.output
        store = Store()
        write_report([(result.run, store.get_records(run_id))], tmp_path / "report" / "report.html")
        store.close()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    written = _all_written_bytes(tmp_path)
    assert any(p.endswith(".sqlite") for p in written) and any(p.endswith("run.log") for p in written)
    leaks = [p for p, data in written.items() if ODD_KEY.encode() in data and not p.startswith(str(tmp_path / "t"))]
    assert leaks == []
    assert b"[redacted]" in (tmp_path / "logs" / "run.log").read_bytes()


def test_redaction_covers_escaped_forms_and_leaves_short_values_alone():
    remember_credential('quo"te\\key-\u00e9-123')
    remember_credential("x")  # too short to be a key: never scrubbed from ordinary text
    text = json.dumps({"echo": 'quo"te\\key-\u00e9-123'})
    assert "key" not in redact_text(text).replace("echo", "") and redact_text("x marks") == "x marks"
    assert redact_value({"a": ['quo"te\\key-\u00e9-123', 3]}) == {"a": ["[redacted]", 3]}
