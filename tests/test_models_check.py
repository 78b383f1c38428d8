"""`taskladder models`: "key set" is not "ok"; `--check` makes one real call per model."""

from __future__ import annotations

import json
import socket

import yaml
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.testing import FaultPlan, LoopbackServer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(tmp_path, entries) -> str:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": entries}))
    return str(path)


def test_a_set_key_variable_is_reported_as_set_not_ok(tmp_path, monkeypatch):
    monkeypatch.setenv("TL_SOME_KEY", "sk-whatever-not-checked")
    path = write(tmp_path, [{"name": "mini", "model": "openai/gpt-4o-mini", "api_key_env": "TL_SOME_KEY"}])
    rows = json.loads(CliRunner().invoke(app, ["models", "--models", path, "--json"]).stdout)["models"]
    assert rows[0]["access"] == "key set"


def test_check_sorts_real_answers_into_ok_auth_not_found_unreachable(tmp_path):
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    with LoopbackServer() as good, LoopbackServer(faults=FaultPlan(rate=1.0, kinds=("401",))) as bad_key, \
            LoopbackServer(faults=FaultPlan(rate=1.0, kinds=("404",))) as no_model:
        path = write(tmp_path, [
            {"name": "good", "model": "openai/loopback", "api_base": good.base_url},
            {"name": "badkey", "model": "openai/loopback", "api_base": bad_key.base_url},
            {"name": "typo", "model": "openai/loopbackk", "api_base": no_model.base_url},
            {"name": "nobody", "model": "openai/x", "api_base": dead},
            {"name": "nowhere", "model": "no/such-model-xyz"},
        ])
        result = CliRunner().invoke(app, ["models", "--models", path, "--check", "--json"])
        table = CliRunner().invoke(app, ["models", "--models", path, "--check"])
        assert len(good.requests) == 2 and good.requests[0].body["max_tokens"] == 1  # one minimal call per run
    checks = {r["name"]: r["check"] for r in json.loads(result.stdout)["models"]}
    assert {k: v["status"] for k, v in checks.items()} == {
        "good": "ok", "badkey": "auth error", "typo": "not found", "nobody": "unreachable", "nowhere": "not found"}
    assert checks["good"]["rtt_ms"] > 0 and checks["nobody"]["rtt_ms"] is None
    assert "sk-loop-wrong-key" not in result.stdout  # the key echoed by the provider is scrubbed
    assert result.exit_code == 1  # some model cannot be called
    assert "round trip ms" in table.output and "auth error" in table.output
