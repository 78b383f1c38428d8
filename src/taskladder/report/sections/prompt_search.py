"""Prompt search (``optimize``): the trajectory (score against spend) and the chosen prompt.

Reads the optimize summary as plain data (``OptimizeResult.as_json()``, as optimize.json and
climb.json hold it), so a summary written by another version still renders.
"""

from __future__ import annotations

from typing import Any

from ..fmt import esc, interval, is_num, score
from ..markup import long_text, section
from ..svg import figure_svg, new_figure


def trajectory_svg(points: list[dict[str, Any]], salt: str = "optimize-trajectory") -> str | None:
    """Best full-dev score so far (a step line) and each evaluation's minibatch score (dots)
    against what had been charged, in dollars, or in calls where every call was free."""
    shown = [p for p in points if is_num(p.get("best_score"))]
    if not shown:
        return None
    in_calls = all(not p.get("charged_usd") for p in points)
    x_of = (lambda p: p.get("calls") or 0) if in_calls else (lambda p: p.get("charged_usd") or 0.0)
    evals = [p for p in points if p.get("kind") == "evaluate" and is_num(p.get("score"))]
    fig = new_figure(5.0, 2.8)
    ax = fig.add_subplot()
    ax.step([x_of(p) for p in shown], [p["best_score"] for p in shown], where="post", label="best on dev so far")
    ax.scatter([x_of(p) for p in evals], [p["score"] for p in evals], s=8, alpha=0.4, label="a candidate's step")
    ax.set_xlabel("calls so far (cached counted)" if in_calls else "charged so far (USD, cached calls at their price)")
    ax.set_ylabel("score")
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title("prompt search: score vs spend")
    return figure_svg(fig, salt)


def _demos(demos: dict[str, Any] | None) -> str:
    if not demos or not demos.get("k"):
        return "none (instruction only)"
    how = {
        "bm25": "the nearest train rows to each input (BM25), chosen per example",
        "embedding": "the nearest train rows to each input (embeddings), chosen per example",
        "mmr": "near and diverse train rows for each input (MMR), chosen per example",
        "fusion": "the nearest train rows to each input (BM25 and embeddings, rank-fused), chosen per example",
        "stratified": "a fixed label-stratified set from train",
        "random": "a fixed random set from train",
    }
    text = f"{demos['k']} × {how.get(demos.get('strategy', ''), demos.get('strategy', '?'))}"
    text += f", seed {demos.get('seed', 0)}"
    if demos.get("order") == "vote-last":
        text += ", grouped by answer, the answer most neighbours share nearest the input"
    if demos.get("rationales"):
        text += ", with self-generated rationales kept only where they led to the right answer"
    return text


def _one(p: dict[str, Any], i: int) -> str:
    best, zero, test, spent = p.get("best"), p.get("zero_shot"), p.get("test"), p.get("spent_usd") or {}
    parts = [f"<h3>{esc(p.get('model', '?'))}</h3>"]
    facts = []
    if best:
        facts.append(
            f"chosen: <b>{esc(best.get('origin'))}</b>, dev {score(best.get('dev_score'))} on "
            f"{esc(best.get('dev_examples'))} examples"
        )
    if zero:
        facts.append(f"zero-shot dev {score(zero.get('dev_score'))}")
    if test:
        facts.append(
            f"confirmed on test {score(test.get('score'))} "
            f'<span class="ci">{interval(test.get("ci_low"), test.get("ci_high"))}</span> n={esc(test.get("n"))}'
        )
    if spent:
        facts.append(
            f"spent search ${spent.get('search', 0):,.4f} + confirmation ${spent.get('confirmation', 0):,.4f}"
            f" of ${p.get('budget_usd', 0):,.4f}"
        )
    charged = p.get("charged_usd") or {}
    if is_num(charged.get("calls")):
        facts.append(f"{int(charged['calls'])} calls (cached counted)")
    if p.get("stopped"):
        facts.append(f"stopped: {esc(p['stopped'])}")
    parts.append("<p>" + " · ".join(facts) + "</p>")
    svg = trajectory_svg(p.get("trajectory") or [], salt=f"optimize-trajectory-{i}")
    if svg:
        parts.append(f'<figure class="plot">{svg}</figure>')
    if best:
        parts.append(
            "<p><b>Instruction</b>:</p>" + long_text(best.get("instructions") or "(the task's own instructions)")
        )
        parts.append(f"<p><b>Demos</b>: {esc(_demos(best.get('demos')))}</p>")
    if p.get("final_prompt"):
        parts.append(
            "<p><b>System message sent</b> (demos follow it as chat turns):</p>" + long_text(p["final_prompt"], 1200)
        )
    return "".join(parts)


def prompt_search_html(searches: list[dict[str, Any]] | None) -> str:
    if not searches:
        return ""
    body = (
        '<p class="muted">Candidates scored on dev only; the chosen prompt meets test once. The '
        "line is the best full-dev score so far, the dots each candidate's minibatch score.</p>"
    )
    return section("prompt-search", "Prompt search", body + "".join(_one(p, i) for i, p in enumerate(searches)))
