"""`taskladder steps` (a multi-step pipeline, scored step by step) and `taskladder cascade`
(a cheap predictor in front of a strong one, threshold chosen on dev)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..cascade import cascade_rung, make_signal
from ..models.config import load_models
from ..pipeline import load_pipeline
from ..steps import load_steps, run_steps
from .app import app, print_json
from .common import failed_runs_error, load_task_arg, money, pct, run_json, store_of


@app.command("steps")
def steps_command(
    ctx: typer.Context,
    task_file: Path = typer.Argument(..., help="Task YAML."),
    steps_file: Path = typer.Argument(..., help="Steps spec (YAML/JSON): a graph of llm, python and retrieval steps."),
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml with named model configs."),
    split: str = typer.Option("dev", "--split", help="dev or test (train for diagnostics)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N examples of the split."),
    metric: Optional[str] = typer.Option(None, "--metric", help="Override the task's metric."),
    data_dir: Optional[Path] = typer.Option(None, "--data", help="Folder the task's data paths resolve from."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run a multi-step pipeline: final score, and each step's quality, cost and latency."""

    task = load_task_arg(task_file, data_dir)
    spec = load_steps(steps_file)
    result = run_steps(task, spec, split=split, models=load_models(models_file), limit=limit, metric=metric,
                       progress=not quiet and not as_json, store=store_of(ctx))
    out = run_json(result.run, task.name) | {"label": spec.label(), "steps": result.steps,
                                             "attribution": result.attribution}
    if as_json:
        print_json(out)
    else:
        _print_steps(out, f"{task.name} · {split} · {out['metric']}")
    failure = failed_runs_error([out])
    if failure is not None:
        raise failure


@app.command("cascade")
def cascade_command(
    ctx: typer.Context,
    task_file: Path = typer.Argument(..., help="Task YAML."),
    cheap: str = typer.Option(..., "--cheap", help="The cheap tier: baseline/... or a model (then sampled, vote margin)."),
    strong: str = typer.Option(..., "--strong", help="The strong tier: a pipeline spec file or a model name."),
    target: Optional[float] = typer.Option(None, "--target", help="Quality to reach on dev at least cost (default: the strong tier's own)."),
    models_file: Optional[Path] = typer.Option(None, "--models", help="models.yaml with named model configs."),
    split: str = typer.Option("dev", "--split", help="Split the threshold is chosen on."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N examples of each split."),
    samples: int = typer.Option(5, "--samples", min=2, help="Samples behind the vote margin when --cheap is a model."),
    signal: Optional[str] = typer.Option(None, "--signal", help="probability, vote-margin or verifier:module:function (default: by tier)."),
    confirm: bool = typer.Option(False, "--test", help="Then run the cascade on the test split (strong calls only for escalations)."),
    data_dir: Optional[Path] = typer.Option(None, "--data", help="Folder the task's data paths resolve from."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Choose a cascade threshold on dev; show the cost–quality curve and each tier's share."""

    task = load_task_arg(task_file, data_dir)
    looks_like_file = Path(strong).suffix.lower() in (".yaml", ".yml", ".json")
    strong_spec: Any = load_pipeline(strong) if looks_like_file else strong
    result = cascade_rung(task, cheap, strong_spec, load_models(models_file), split=split, target=target,
                          limit=limit, samples=samples, signal=make_signal(signal) if signal else None,
                          confirm_split="test" if confirm else None, store=store_of(ctx))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    _print_cascade(result)


def _print_steps(out: dict[str, Any], title: str) -> None:
    console = Console(width=max(Console().width, 120))
    console.print(f"[bold]{title}[/bold] · {out['label']}: score {pct(out['score'])} "
                  f"(95% CI {pct(out['ci_low'])}–{pct(out['ci_high'])}, n={out['n']}) · "
                  f"{money(out['cost_per_1k_calls'], 3)}/1k calls · {money(out['projected_monthly_usd'], 2)}/month · "
                  f"p50 {out['latency_p50_ms']:.0f} ms · run {out['run_id']}")
    table = Table(title="per step", title_justify="left", pad_edge=False)
    table.add_column("step", no_wrap=True)
    table.add_column("kind · model", no_wrap=True)
    for col in ("gold score", "95% CI", "exact", "$/1k calls", "p50 ms", "fail/err/skip", "cached"):
        table.add_column(col, justify="right", no_wrap=True)
    for name, s in out["steps"].items():
        table.add_row(
            name, f"{s['kind']} · {s['model'] or '-'}", pct(s["score"]) if s["gold_n"] else "no gold",
            f"{pct(s['ci_low'])}–{pct(s['ci_high'])}" if s["gold_n"] else "–", pct(s["exact"]),
            money(s["cost_per_1k_calls"], 3), f"{s['latency_p50_ms']:.0f}",
            f"{s['parse_failures']}/{s['errors']}/{s['skipped']}", f"{s['cached_calls']}/{s['calls'] + s['cached_calls']}",
        )
    console.print(table)
    a = out["attribution"]
    if a.get("final_errors"):
        blamed = ", ".join(f"{k} {v}" for k, v in a["by_step"].items() if v)
        extra = f", no step to blame {a['unattributed']}" if a["unattributed"] else ""
        console.print(f"final errors: {a['final_errors']} · started at: {blamed or '-'}{extra} · "
                      f"already wrong upstream: {pct(a['upstream_share'])}%")


def _print_cascade(r) -> None:
    console = Console(width=max(Console().width, 120))
    console.print(f"[bold]{r.task} · cascade {r.cheap} → {r.strong}[/bold] · {r.split} · {r.metric} · "
                  f"signal {r.signal}")
    console.print(f"threshold {r.threshold:.4f} (target {pct(r.target)}{'' if r.target_reached else ', not reached'}): "
                  f"score {pct(r.score)} (95% CI {pct(r.ci_low)}–{pct(r.ci_high)}, n={r.n}) · "
                  f"{money(r.cost_per_1k_calls, 3)}/1k calls · {money(r.projected_monthly_usd, 2)}/month · "
                  f"escalated {pct(r.share_escalated)}%")
    console.print(f"alone: {r.cheap} {pct(r.cheap_alone['score'])} at {money(r.cheap_alone['cost_per_1k_calls'], 3)}/1k"
                  f" · {r.strong} {pct(r.strong_alone['score'])} at {money(r.strong_alone['cost_per_1k_calls'], 3)}/1k"
                  + (f" · saving vs strong {pct(r.saving_vs_strong)}%" if r.saving_vs_strong is not None else "")
                  + (" · pays" if r.pays else " · does not pay"))
    table = Table(title="cost–quality curve over thresholds", title_justify="left", pad_edge=False)
    for col in ("threshold", "escalated %", "score", "$/1k calls", ""):
        table.add_column(col, justify="right", no_wrap=True)
    for p in r.curve:
        mark = "← chosen" if p.threshold == r.threshold else ""
        shown = f"{p.threshold:.4f}" + (" (all)" if p.share_escalated == 1.0 else "")
        table.add_row(shown, pct(p.share_escalated), pct(p.score), money(p.cost_per_1k_calls, 3), mark)
    console.print(table)
    if r.test:
        t = r.test
        console.print(f"test: score {pct(t['score'])} (95% CI {pct(t['ci_low'])}–{pct(t['ci_high'])}, n={t['n']}) · "
                      f"{money(t['cost_per_1k_calls'], 3)}/1k calls · escalated {pct(t['share_escalated'])}% · "
                      f"run {t['run_id']}")
