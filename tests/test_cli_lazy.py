"""The root CLI lists every command without importing command modules, and the table agrees with them."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import typer

from taskladder.cli.app import app
from taskladder.cli.lazy import COMMANDS


def test_table_names_every_registered_command_with_its_own_help():
    for entry in COMMANDS.values():
        importlib.import_module(f"taskladder.cli.{entry.module}")
    built = typer.main.get_command(app)
    registered = set(built.commands)  # type: ignore[attr-defined]
    assert registered == set(COMMANDS)
    for name, command in built.commands.items():  # type: ignore[attr-defined]
        first_line = (command.help or "").strip().splitlines()[0]
        assert first_line == COMMANDS[name].help, f"update the help of {name!r} in cli/lazy.py"


def test_root_help_imports_no_command_module():
    probe = ("import sys, contextlib, io\n"
             "from taskladder.cli import main\n"
             "sys.argv = ['taskladder', '--help']\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):\n"
             "    main()\n"
             "import json\n"
             "print(json.dumps({'help': out.getvalue(),\n"
             "                  'loaded': sorted(m for m in sys.modules if m.startswith('taskladder.cli.cmd_'))}))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    seen = json.loads(done.stdout)
    assert seen["loaded"] == []
    for name in COMMANDS:
        assert name in seen["help"]


def test_a_command_runs_after_lazy_loading(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    monkeypatch.setenv("TASKLADDER_HOME", str(tmp_path))
    out = CliRunner().invoke(app, ["runs", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == {"runs": []}


def test_root_help_does_not_import_pydantic():
    # pydantic is most of what `taskladder --help` imported besides typer and rich (issue 20: <= 0.3 s);
    # the settings it served are built by the app callback, which --help never runs.
    probe = ("import sys, contextlib, io\n"
             "from taskladder.cli import main\n"
             "sys.argv = ['taskladder', '--help']\n"
             "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
             "    main()\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
