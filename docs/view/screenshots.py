"""Screenshots of each `taskladder view` page for the README (docs/view/*.png).

    python docs/view/screenshots.py      # needs the view extra and /usr/bin/chromium

Builds a throwaway store from the bundled offline example (a keyword bot with 2 demos and two
baselines, judged pairwise by a scripted stand-in judge), casts a few votes, makes one repair and
queues the disagreements, then opens each page.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from taskladder.arena import judge_runs
from taskladder.models.config import ModelConfig, load_models
from taskladder.pipeline import PipelineSpec
from taskladder.rank import LLMJudgePrompt
from taskladder.runner import evaluate
from taskladder.runner.calls import ModelCaller
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.view import create_app

REPO = Path(__file__).resolve().parents[2]
OUT = Path(__file__).parent


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    store = Store(folder / "store.sqlite")
    example = REPO / "examples" / "support_tickets"
    task, models = load_task(example / "task.yaml"), load_models(example / "models.yaml")
    bot = evaluate(task, PipelineSpec.model_validate({"model": "keyword-bot", "demos": {"k": 2}}), models=models,
                   store=store, progress=False).run
    lr = evaluate(task, "baseline/tfidf-lr", store=store, progress=False).run
    evaluate(task, "baseline/majority", store=store, progress=False)
    records = {r.example_id: r for r in store.get_records(bot.run_id)}
    other = {r.example_id: r for r in store.get_records(lr.run_id)}
    shared = [e for e in records if e in other][:6]
    for k, eid in enumerate(shared):
        store.put_vote(task.name, eid, bot.run_id, lr.run_id, left_run=lr.run_id, winner="ab"[k % 3 == 0], voter="ann")
    wrong = next(r for r in records.values() if r.score == 0.0)
    store.put_gold_patch(task.name, wrong.example_id, author="ann", field="intent", old_value=wrong.expected["intent"],
                         new_value=wrong.prediction["intent"], note="the message asks for this")
    # An arena over the two runs, judged by a scripted stand-in for an LLM judge (offline), so the
    # example and vote pages show the judge's verdicts and reasoning beside the human votes.
    judge = ModelConfig(name="scripted-judge", model="scripted", script={"rules": [], "default": (
        "Answer A names the intent the customer's own words point to; B picks a neighbouring one.\n[[A]]")})
    judge_runs([(bot, list(records.values())), (lr, list(other.values()))], ModelCaller(judge, store),
               LLMJudgePrompt(output_type="label"), store=store, limit=12, n_boot=50)
    disagree = [e for e in records if e in other and records[e].prediction != other[e].prediction]
    store.enqueue_reviews("disagreements", task.name, [(e, [bot.run_id, lr.run_id], "runs disagree") for e in disagree])
    server = uvicorn.Server(uvicorn.Config(create_app(store, user="ann", task=task, models=models), port=8799,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base, pair = "http://127.0.0.1:8799", f"runs={bot.run_id}&runs={lr.run_id}"
    pages = {"runs": "/", "compare": f"/compare?{pair}&only=disagree",
             "example": f"/examples/{task.name}/{wrong.example_id}?{pair}", "vote": f"/vote?{pair}",
             "patches": "/patches", "queue": "/queues/disagreements"}
    with sync_playwright() as pw:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for name, path in pages.items():
            page.goto(base + path)
            if name == "example":
                page.locator("details.messages").first.evaluate("d => d.open = true")
            if name == "vote":
                page.locator("#beside-judge details").first.evaluate("d => d.open = true")
            # The vote and example pages end with the judge's reasoning: show them whole.
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=name in ("vote", "example"))
            print("wrote", OUT / f"{name}.png")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
