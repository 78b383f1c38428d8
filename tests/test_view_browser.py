"""`taskladder view` in a real browser: Python playwright driving Debian's chromium.

One module and one browser for all of them, to stay fast. They skip when chromium or
playwright is genuinely absent, except under TASKLADDER_REQUIRE_SHARED=1 (CI), where .ci/run
installs both and a skip would hide a broken viewer.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("TASKLADDER_CHROMIUM", "/usr/bin/chromium"))


def _require(ok: bool, reason: str) -> None:
    if ok:
        return
    if os.environ.get("TASKLADDER_REQUIRE_SHARED") == "1":
        pytest.fail(reason + "; CI requires it (.ci/run installs chromium and playwright)")
    pytest.skip(reason)


try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None  # type: ignore[assignment]

from helpers import sentiment_rows, write_task  # noqa: E402
from view_helpers import XSS, add_run  # noqa: E402

from taskladder.runner import evaluate  # noqa: E402
from taskladder.store import Store  # noqa: E402
from taskladder.task import load_task  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A store with two real eval runs of task 't' (and a run full of markup), served by uvicorn."""
    _require(sync_playwright is not None, "python playwright is not installed (pip install 'taskladder[view]')")
    _require(CHROMIUM.exists() or shutil.which("chromium") is not None, f"{CHROMIUM} is absent (apt-get install chromium)")
    import uvicorn

    from taskladder.view import create_app

    folder = tmp_path_factory.mktemp("view")
    store = Store(folder / "store.sqlite")
    task_path = write_task(folder / "t", sentiment_rows(40))
    task = load_task(task_path)
    runs = [evaluate(task, name, store=store, progress=False).run
            for name in ("baseline/majority", "baseline/knn-bm25")]
    truth = {"x1": "pos"}
    xss = add_run(store, "run-xss", {"x1": XSS}, truth=truth, label=XSS, texts={"x1": XSS})
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store, user="ann", poll_seconds=0.5), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    with sync_playwright() as pw:
        args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        yield {"url": f"http://127.0.0.1:{port}", "store": store, "task_path": task_path, "runs": runs, "xss": xss,
               "browser": browser}
        browser.close()
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def page(site):
    context = site["browser"].new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    yield page
    context.close()


def test_runs_page_then_compare_two_runs_and_open_an_example(site, page: Page):
    a, b = site["runs"]
    page.goto(site["url"] + "/")
    assert page.locator("h2", has_text="Task t").count() == 1
    page.check(f'input[name="runs"][value="{a.run_id}"]')
    page.check(f'input[name="runs"][value="{b.run_id}"]')
    page.locator("section.board", has_text="Task t").get_by_role("button", name="Compare selected").click()
    page.wait_for_url("**/compare?**")
    rows = page.locator("table.compare tbody tr")
    assert rows.count() == 10
    page.select_option('select[name="only"]', "disagree")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**only=disagree**")
    disagree = page.locator("table.compare tbody tr").count()
    assert 0 < disagree < 10
    page.locator("a.ex").first.click()
    page.wait_for_url("**/examples/t/**")
    assert page.locator("article.output").count() == 2


def test_markup_in_inputs_outputs_and_run_names_never_runs(site, page: Page):
    xss = site["xss"]
    for path in ("/", f"/compare?runs={xss.run_id}", f"/examples/sent/x1?runs={xss.run_id}"):
        page.goto(site["url"] + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__pwned") is None, path
        assert page.dialogs == []  # type: ignore[attr-defined]
    assert "<script>window.__pwned = 1</script>" in page.locator("article.output").first.inner_text()


def test_vote_with_the_keyboard_and_see_ratings_update(site, page: Page):
    a, b = site["runs"]
    page.goto(f"{site['url']}/vote?runs={a.run_id}&runs={b.run_id}")
    for n in range(4):
        form = page.locator("#vote-form")
        left = form.locator('input[name="left"]').get_attribute("value")
        key = "ArrowLeft" if left == b.run_id else "ArrowRight"  # always prefer the knn-bm25 run
        page.keyboard.press(key)
        page.wait_for_load_state("load")
        expect(page.locator("p.meta", has_text="votes (")).to_contain_text(f"{n + 1} votes")
    votes = site["store"].votes("t")
    assert len(votes) == 4 and all(v["winner"] == "b" for v in votes)
    best = page.locator("#ratings tbody tr").first.inner_text()
    assert "knn-bm25" in best and "majority" not in best  # the ratings put the preferred run first
    page.keyboard.press("t")  # a tie by key
    expect(page.locator("p.meta", has_text="votes (")).to_contain_text("5 votes")
    assert site["store"].votes("t")[-1]["winner"] == "tie"


def test_repair_an_example_and_the_next_eval_uses_it(site, page: Page):
    a, _ = site["runs"]
    store = site["store"]
    wrong = next(r for r in store.get_records(a.run_id) if r.score == 0.0)
    page.goto(f"{site['url']}/examples/t/{wrong.example_id}?runs={a.run_id}")
    page.fill("#repair-value", wrong.prediction["label"])
    page.get_by_role("button", name="Save correction").click()
    page.wait_for_load_state("load")
    assert page.locator("pre.expected").first.inner_text() == wrong.prediction["label"]
    assert page.locator("text=Lineage").count() == 1
    # Its own thread: playwright's sync API keeps an event loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        again = pool.submit(evaluate, load_task(site["task_path"]), "baseline/majority", store=store,
                            progress=False).result()
    assert again.run.summary.gold_patches == 1
    page.goto(site["url"] + "/")
    row = page.locator(f"#run-{again.run.run_id}")
    assert row.locator("td").nth(12).inner_text() == "1"  # the gold patches column


def test_live_progress_of_a_run_in_another_process(site, page: Page):
    from taskladder.store import Record

    store = site["store"]
    live = add_run(store, "run-live", {"x1": "pos"}, truth={"x1": "pos"}, label="live", status="running")
    page.goto(site["url"] + "/")
    done = page.locator(f"#run-{live.run_id} .done")
    assert done.inner_text() == "1"
    writer = Store(store.path)  # another connection, as another process would have
    writer.put_records([Record(run_id=live.run_id, example_id=f"y{i}", split="dev", inputs={}, expected={})
                        for i in range(3)])
    expect(done).to_have_text("4")  # the row polled and swapped itself
