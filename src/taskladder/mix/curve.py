"""The task-vs-general curve of a sweep, as a PNG and as a text table."""

from __future__ import annotations

from pathlib import Path

from .rule import SweepPoint


def sweep_table(points: list[SweepPoint], chosen: SweepPoint) -> str:
    causal = any(p.nll is not None for p in points)  # general = -NLL: NLL and agreement shown instead
    general = f"{'NLL':>7} {'agree %':>8}" if causal else f"{'general':>8}"
    lines = [f"{'alpha':>6} {'task dev':>9} {'task test':>9} {general}"]
    for p in points:
        test = f"{p.task_test:9.2f}" if p.task_test is not None else f"{'-':>9}"
        mark = "  <- chosen" if p.alpha == chosen.alpha else ""
        if causal:
            shown = f"{p.nll if p.nll is not None else -p.general:7.3f} {p.agreement or 0.0:8.2f}"
        else:
            shown = f"{p.general:8.2f}"
        lines.append(f"{p.alpha:6.2f} {p.task_dev:9.2f} {test} {shown}{mark}")
    return "\n".join(lines)


def draw_curve(points: list[SweepPoint], chosen: SweepPoint, delta: float, path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot([p.general for p in points], [p.task_dev for p in points], "o-", color="tab:blue")
    for p in points:
        ax.annotate(f"α={p.alpha:g}", (p.general, p.task_dev), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.plot([chosen.general], [chosen.task_dev], "*", markersize=16, color="tab:red", label=f"chosen α={chosen.alpha:g}")
    original = next((p for p in points if p.alpha == 0.0), None)
    if original is not None:
        ax.axvline(original.general - delta, linestyle="--", color="gray", label=f"original − δ ({delta:g})")
    causal = any(p.nll is not None for p in points)
    ax.set_xlabel("general: −NLL per answer token (nats)" if causal else "general score")
    ax.set_ylabel("task score (dev)")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
