"""Pieces shared by command modules: loading inputs and printing summaries."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import RunFailedError, TaskladderError
from ..money import usd
from ..runner.backend import BackendSpec, require_backend, use_backend
from ..settings import Settings
from ..store import Store
from ..task import load_task

if TYPE_CHECKING:
    from ..store import Store

SUMMARY_KEYS = (
    "n", "score", "ci_low", "ci_high", "parse_failures", "errors", "cost_usd", "cost_usd_spent",
    "cost_per_1k_calls", "latency_p50_ms", "latency_p95_ms", "calls", "cached_calls", "projected_monthly_usd",
    "retrieval_recall_at_k",  # RAG pipelines on rows that name their gold sources; None elsewhere
    "error_rate", "parse_failure_rate", "parse_failures_high", "first_error", "failure",
    "gold_patches",  # corrections made in `taskladder view` that this run's examples carried
)


def settings_of(ctx: typer.Context) -> Settings:
    """This invocation's settings, built once by the app callback and kept on the context."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):  # a command group invoked without the app's callback
        root.obj = Settings.from_env()
    return root.obj


def store_of(ctx: typer.Context) -> "Store":
    """The store of this invocation's settings (created and migrated on first open)."""

    return Store.default(settings_of(ctx))


def run_json(run, task_name: str) -> dict[str, Any]:
    """The machine-readable view of one finished run (the ``--json`` contract)."""
    s = run.summary
    out: dict[str, Any] = {"run_id": run.run_id, "task": task_name, "model": run.model, "split": run.split,
                           "status": run.status, "metric": s.get("metric", run.metric)}
    out.update({k: s.get(k) for k in SUMMARY_KEYS})
    out["pipeline"] = run.pipeline
    return out


def comma_list(text: str) -> list[str]:
    """The names in a comma-separated option value (``--rungs a,b``), blanks dropped."""
    return [n.strip() for n in text.split(",") if n.strip()]


def money(x: float | None, digits: int = 4) -> str:
    """Dollars as every command prints them (``taskladder.money.usd``); ``digits`` is kept for
    callers written before, the helper decides how many digits are needed to be right."""

    return usd(x)


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f}"


def print_leaderboard(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title, title_justify="left", pad_edge=False)
    table.add_column("model")  # the label names every technique, so it may be long: it wraps, figures do not
    recall = any(r.get("retrieval_recall_at_k") is not None for r in rows)  # a column only where retrieval ran
    for col in ("score", "95% CI", *(("recall@k",) if recall else ()), "n", "$/1k calls", "$/month", "p50 ms",
                "fail/err", "cached"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("run", no_wrap=True)
    for r in sorted(rows, key=lambda r: -(r["score"] or 0)):
        failed = " [red](failed)[/]" if r.get("status") == "failed" else ""
        parse_flag = " [yellow]⚠[/]" if r.get("parse_failures_high") else ""
        table.add_row(
            str(r.get("label") or r["model"]) + failed, pct(r["score"]), f"{pct(r['ci_low'])}–{pct(r['ci_high'])}",
            *((pct(r.get("retrieval_recall_at_k")),) if recall else ()), str(r["n"]),
            money(r["cost_per_1k_calls"], 3), money(r["projected_monthly_usd"], 2), f"{r['latency_p50_ms']:.0f}",
            f"{r['parse_failures']}/{r['errors']}{parse_flag}", f"{r['cached_calls']}/{r['calls'] + r['cached_calls']}",
            r["run_id"][-6:],
        )
    Console(width=max(Console().width, 120)).print(table)
    for r in rows:
        name = r.get("label") or r["model"]
        if r.get("status") == "failed":
            typer.echo(f"  {name}: FAILED, its score is not a result (the reason follows)", err=True)
        if r.get("gold_patches"):
            typer.echo(f"  {name}: scored with {r['gold_patches']} gold patch(es) from `taskladder view`", err=True)
        if r.get("parse_failures_high"):
            typer.echo(f"  {name}: ⚠ {r['parse_failures']} of {r['n']} answers could not be parsed "
                       f"({(r.get('parse_failure_rate') or 0):.0%}, above 5%); check the prompt's output format "
                       "or the raw answers (taskladder export-records RUN)", err=True)


def failed_runs_error(rows: list[dict[str, Any]]):
    """The one-line error (exit 3) for runs that failed, or None when none did."""

    failed = [r for r in rows if r.get("status") == "failed"]
    if not failed:
        return None
    first = failed[0]
    more = f" (and {len(failed) - 1} more failed runs)" if len(failed) > 1 else ""
    return RunFailedError(f"run {first['run_id']} ({first.get('label') or first['model']}) failed: "
                          f"{first.get('failure')}{more}")


def load_task_arg(path: Path, data_dir: Path | None = None, dedupe: bool | None = None):

    return load_task(path, data_dir=data_dir, dedupe=dedupe)


DEDUPE_HELP = "Drop train examples whose input (normalised) also appears in dev or test (task.yaml: dedupe: true)."


def overlap_note(task) -> str:
    """' · split overlap: …' for a result line when the splits share inputs, else ''."""
    text = task.overlap.describe()
    return f" · {text}" if text else ""


# `--backend ray [--address ADDR]` on the commands that start runs (eval, climb, synth, arena);
# `mix` and `mix-sweep` take their own help text (MIX_BACKEND_OPTION): they make no provider calls.
BACKEND_OPTION = typer.Option(
    "local", "--backend", help="Where provider calls run: local (this process) or ray (workers on a Ray cluster; "
    "needs the `ray` extra). The cache, budget, limits and records stay in this process either way.")
ADDRESS_OPTION = typer.Option(
    None, "--address", help="With --backend ray: a running cluster's address (e.g. 10.0.0.5:6379); "
    "without it a local Ray instance is started. Workers read API keys from their own environment.")


MIX_BACKEND_OPTION = typer.Option(
    "local", "--backend", help="Where the merge (mix) or each alpha's mix and scoring (mix-sweep) runs: local (this "
    "process) or ray (Ray tasks; needs the `ray` extra; paths must be visible to every node).")


def backend_scope(name: str, address: str | None, *, calls: bool = True):
    """The scope every model call of a command runs in (enter it with ``with``): ``--backend`` and
    ``--address`` are checked now, so a bad value or a missing extra is a one-line error before any
    work; for ray the cluster is joined on entry, once for the whole command. ``calls=False``: the
    command makes no provider calls, only heavy local work (``mix``), so no call workers start."""
    spec = BackendSpec.parse(name, address)
    require_backend(spec)
    return use_backend(spec, calls=calls)


def require_extra(command: str, modules: tuple[str, ...]) -> None:
    """One line naming the extra (named like the command), not an ImportError traceback, when
    any of ``modules`` is not installed."""
    missing = []
    for name in modules:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except (ImportError, ValueError):
            missing.append(name)
    if missing:
        raise TaskladderError(f"`{command}` needs the {command} extra (missing {', '.join(missing)}); "
                              f"run: pip install 'taskladder[{command}]'")
