"""The root command group, which imports a command's module only when that command runs.

``taskladder --help`` lists every command from the table below without importing any command
module, so each module may import its domain packages at the top like any other module
(issue 12) while ``--help`` stays fast (issue 20). To add a command: write ``cmd_NAME.py``
registering on ``app`` and add one line here; ``tests/test_cli_lazy.py`` checks that the table
and the modules agree, help text included.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup


class LazyCommand(NamedTuple):
    module: str  # under taskladder.cli
    help: str  # the first line of the command's docstring, shown by `taskladder --help`


COMMANDS: dict[str, LazyCommand] = {
    "init": LazyCommand("cmd_init", "Write a task spec guessed from a table: inputs, typed outputs, a seeded split."),
    "validate": LazyCommand("cmd_validate", "Check every line of a fine-tuning file; count tokens against the model's "
                                            "context limit."),
    "models": LazyCommand("cmd_models", "List models with their price per million tokens, context window and access "
                                        "(key set, server reachable)."),
    "eval": LazyCommand("cmd_eval", "Evaluate one or more models on a task split, with intervals, cost and latency."),
    "climb": LazyCommand("cmd_climb", "Climb the ladder on your task and recommend the cheapest pipeline that is not "
                                      "significantly worse than the best."),
    "optimize": LazyCommand("cmd_optimize", "Search instructions and demo sets for MODEL on dev within --budget; "
                                            "confirm the winner on test once."),
    "runs": LazyCommand("cmd_runs", "List stored runs, newest first."),
    "export-records": LazyCommand("cmd_runs", "Export a run's per-example records as JSONL or CSV."),
    "compare": LazyCommand("cmd_runs", "Paired test of two runs on their shared examples: difference (B − A), "
                                       "interval, p-value."),
    "report": LazyCommand("cmd_report", "Write an HTML report that opens offline: leaderboard, cost plot, per-label "
                                        "table, worst errors."),
    "steps": LazyCommand("cmd_steps", "Run a multi-step pipeline: final score, and each step's quality, cost and "
                                      "latency."),
    "cascade": LazyCommand("cmd_steps", "Choose a cascade threshold on dev; show the cost–quality curve and each "
                                        "tier's share."),
    "arena": LazyCommand("cmd_arena", "Judge every pair of runs on their shared examples (both orders) and rank the "
                                      "pipelines."),
    "rank": LazyCommand("cmd_rank", "Rate contestants from pairwise judgments (Elo scale, 95% intervals by bootstrap "
                                    "over items)."),
    "synth": LazyCommand("cmd_synth", "Build a fine-tuning dataset: transforms with lineage, rationales, filters, "
                                      "mixing, exports."),
    "export": LazyCommand("cmd_synth", "Write fine-tuning files (train/validation JSONL that validate) from a dataset "
                                       "or a run."),
    "finetune": LazyCommand("cmd_finetune", "Provider fine-tuning jobs (OpenAI-compatible API): submit, status, "
                                            "cancel, list."),
    "tune": LazyCommand("cmd_tune", "LoRA fine-tuning (loss on answers only, dev early stopping, resumable) into "
                                    "local/NAME."),
    "mix": LazyCommand("cmd_mix", "Mix weights: WiSE-FT interpolation, task arithmetic, TIES, DARE, or an added "
                                  "base->instruct difference."),
    "mix-sweep": LazyCommand("cmd_mix", "Sweep the mixing alpha: task score vs general score (STS "
                                        "Spearman for embedders, NLL for causal LMs), alpha picked by a rule."),
    "serve": LazyCommand("cmd_serve", "Serve a pipeline at /v1/chat/completions (plus /v1/models, /healthz, "
                                      "/metrics)."),
    "view": LazyCommand("cmd_view", "Browse runs, compare outputs side by side, vote blind A/B, repair expected "
                                    "outputs."),
    "guard": LazyCommand("cmd_guard", "Rule-based input/output guards."),
    "cache": LazyCommand("cmd_cache", "Inspect or clear the call cache."),
    "plugins": LazyCommand("cmd_plugins", "List registered providers, baselines, metrics and rungs with their source "
                                          "distribution."),
}


def load_command_module(name: str) -> typer.Typer:
    """Import the module behind command ``name``; returns the Typer app it registered on."""
    module = importlib.import_module(f"{__package__}.{COMMANDS[name].module}")
    return module.app


class LazyGroup(TyperGroup):  # ctx is typer's vendored click Context, which it does not export
    """Lists the table's commands; builds a command (importing its module) only to run it or show its help."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS) + [name for name in self.commands if name not in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        # A listing stand-in: enough for the root --help, never invoked (resolve_command loads first).
        return TyperCommand(cmd_name, help=entry.help) if entry else None

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else None
        if name in COMMANDS and name not in self.commands:
            built = typer.main.get_command(load_command_module(name))
            assert isinstance(built, TyperGroup)
            self.commands.update((n, c) for n, c in built.commands.items() if n not in self.commands)
        return super().resolve_command(ctx, args)
