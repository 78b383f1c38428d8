"""Routes of `taskladder view` (FastAPI TestClient): pages, filters, votes, repairs, queues, security."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")

from fastapi.testclient import TestClient  # noqa: E402
from view_helpers import XSS, add_run, two_runs  # noqa: E402

from taskladder.store import Store  # noqa: E402
from taskladder.view import create_app  # noqa: E402


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "view.sqlite")


def client(store: Store, **kw) -> TestClient:
    return TestClient(create_app(store, user=kw.pop("user", "ann"), **kw), base_url="http://127.0.0.1:8765")


def csrf_of(html: str) -> str:
    return re.search(r'"X-CSRF-Token": "([^"]+)"', html).group(1)


def runs_q(*runs) -> str:
    return "&".join(f"runs={r.run_id}" for r in runs)


def test_runs_page_ranks_finished_runs_and_marks_failed_ones(store):
    a, b, truth = two_runs(store)
    add_run(store, "run-failed", dict(truth), truth=truth, label="model-f", status="failed", score=0.99,
            failure="62% of examples errored (HTTP 500)")
    page = client(store).get("/")
    assert page.status_code == 200
    rows = re.findall(r'<tr id="run-([^"]+)" class="([^"]*)"', page.text)
    assert [r[0] for r in rows] == ["run-aaaaaa", "run-bbbbbb", "run-failed"]  # by score; failed last, unranked
    assert rows[2][1] == "failed" and "62% of examples errored" in page.text
    ranked = re.findall(r'<td class="num">(\d*)</td>\s*<td class="name"', page.text)
    assert ranked == ["1", "2", ""]
    assert "[0.900, 1.000]" in page.text and "$12.50" in page.text and "120 ms" in page.text  # CI, $/month, latency


def test_running_run_row_polls_and_shows_live_progress(store):
    _, _, truth = two_runs(store)
    add_run(store, "run-live", {"e0": "pos"}, truth=truth, label="model-live", status="running")
    c = client(store, poll_seconds=1.5)
    assert 'hx-get="/runs/run-live/row?rank=" hx-trigger="every 1.5s"' in c.get("/").text
    from taskladder.store import Record

    store.put_records([Record(run_id="run-live", example_id="e1", split="dev", inputs={}, expected={})])
    row = c.get("/runs/run-live/row").text
    assert '<span class="done">2</span> done' in row and "hx-trigger" in row
    assert c.get("/runs/nope/row").status_code == 404


def test_compare_filters_and_stable_example_urls(store):
    a, b, _ = two_runs(store, n=6)
    c = client(store)
    everything = c.get(f"/compare?{runs_q(a, b)}").text
    assert everything.count('class="ex"') == 6
    disagree = c.get(f"/compare?{runs_q(a, b)}&only=disagree").text
    assert re.findall(r'class="ex" href="[^"]+">([^<]+)<', disagree) == ["e1", "e3", "e5"]
    assert c.get(f"/compare?{runs_q(a, b)}&only=wrong").text.count('class="ex"') == 3
    assert c.get(f"/compare?{runs_q(a, b)}&only=error").text.count('class="ex"') == 0
    assert c.get(f"/compare?{runs_q(a, b)}&label=neg").text.count('class="ex"') == 3
    assert re.findall(r'class="ex" href="[^"]+">([^<]+)<', c.get(f"/compare?{runs_q(a, b)}&q=OF+E4").text) == ["e4"]
    assert c.get(f"/compare?{runs_q(a, b)}&only=bogus").status_code == 400
    link = re.search(r'class="ex" href="([^"]+)">e3<', everything).group(1).replace("&amp;", "&")
    assert link == "/examples/sent/e3?runs=run-aaaaaa&runs=run-bbbbbb"
    page = c.get(link)
    assert page.status_code == 200 and "text of e3" in page.text and "model-a" in page.text and "model-b" in page.text
    assert "an offline baseline: it sends no messages" in page.text  # the messages section says why it is empty
    assert c.get("/examples/sent/missing").status_code == 404


def test_compare_refuses_runs_of_different_tasks(store):
    a, _, truth = two_runs(store)
    other = add_run(store, "run-other", dict(truth), truth=truth, task="other")
    page = client(store).get(f"/compare?{runs_q(a, other)}")
    assert page.status_code == 400 and "different tasks" in page.text


def test_posts_without_the_csrf_token_are_refused(store):
    a, b, _ = two_runs(store)
    c = client(store)
    form = {"task": "sent", "example_id": "e1", "field": "label", "value": "pos", "action": "correct"}
    assert c.post("/repairs", data=form).status_code == 403
    assert c.post("/repairs", data={**form, "csrf": "forged"}).status_code == 403
    token = csrf_of(c.get("/").text)
    cross = c.post("/repairs", data={**form, "csrf": token}, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    assert store.gold_patches("sent") == []
    ok = c.post("/repairs", data=form, headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert ok.status_code == 303 and len(store.gold_patches("sent")) == 1


def test_a_token_is_required_when_set(store):
    two_runs(store)
    c = client(store, token="s3cret")
    assert c.get("/").status_code == 401
    assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    first = c.get("/?token=s3cret", follow_redirects=False)
    assert first.status_code == 303 and "token" not in first.headers["location"]
    assert c.get("/").status_code == 200  # the cookie now carries it


def test_without_a_token_only_loopback_names_are_answered(store):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends Host: evil.example."""
    two_runs(store)
    rebound = TestClient(create_app(store), base_url="http://evil.example:8765")
    assert rebound.get("/").status_code == 403
    for host in ("localhost:8765", "[::1]:8765", "127.0.0.1"):
        assert client(store).get("/", headers={"Host": host}).status_code == 200, host
    assert TestClient(create_app(store, token="t"), base_url="http://viewer.lan").get("/?token=t").status_code == 200


def test_view_off_loopback_without_a_token_is_a_one_line_error(monkeypatch):
    monkeypatch.delenv("TASKLADDER_VIEW_TOKEN", raising=False)
    out = subprocess.run([sys.executable, "-m", "taskladder", "view", "--host", "0.0.0.0"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "TASKLADDER_VIEW_TOKEN" in out.stderr and "Traceback" not in out.stderr


def test_view_without_the_extra_names_it():
    helper = Path(__file__).parent / "no_extras_main.py"
    out = subprocess.run([sys.executable, str(helper), "view"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "taskladder[view]" in out.stderr and "Traceback" not in out.stderr


def test_user_strings_are_escaped_on_every_page(store):
    truth = {"x1": "pos", "x2": "neg"}
    a = add_run(store, "run-xss-a", {"x1": XSS, "x2": "neg"}, truth=truth, label=XSS, texts={"x1": XSS})
    b = add_run(store, "run-xss-b", {"x1": "pos", "x2": "pos"}, truth=truth, label="fine")
    c = client(store)
    token = csrf_of(c.get("/").text)
    c.post("/repairs", data={"csrf": token, "task": "sent", "example_id": "x1", "field": "label", "value": XSS,
                             "note": XSS, "action": "correct"})
    c.post("/queues", data={"csrf": token, "runs": [a.run_id, b.run_id], "only": "disagree", "queue": XSS})
    pages = ["/", f"/compare?{runs_q(a, b)}", f"/examples/sent/x1?{runs_q(a, b)}", f"/vote?{runs_q(a, b)}",
             "/patches", "/queues", f"/compare?{runs_q(a, b)}&q={XSS}"]
    for url in pages:
        html = c.get(url).text
        assert "<script>window" not in html and "<img src=x" not in html, url
    assert "&lt;script&gt;window.__pwned" in c.get(f"/examples/sent/x1?{runs_q(a, b)}").text
    assert "script-src 'self'" in c.get("/").headers["content-security-policy"]


def test_votes_are_blinded_stored_and_fitted(store):
    a, b, _ = two_runs(store, n=4)
    c = client(store)
    page = c.get(f"/vote?{runs_q(a, b)}").text
    assert "model-a" not in page.split("<h2>Ratings")[0] and "model-b" not in page.split("<h2>Ratings")[0]
    lefts = set()
    for _ in range(8):  # every pair this voter has not voted on; order drawn at random
        page = c.get(f"/vote?{runs_q(a, b)}").text
        if 'id="vote-form"' not in page:
            break
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.split('id="vote-form"')[1].split("</form>")[0]))
        lefts.add(fields["left"])
        choice = "left" if fields["left"] == a.run_id else "right"  # always prefer run A
        r = c.post("/vote", data={**fields, "choice": choice}, follow_redirects=False)
        assert r.status_code == 303
    votes = store.votes("sent")
    assert len(votes) == 4 and {v["winner"] for v in votes} == {"a"} and {v["voter"] for v in votes} == {"ann"}
    assert "You have voted on every pair" in c.get(f"/vote?{runs_q(a, b)}").text
    ratings = c.get(f"/vote?{runs_q(a, b)}").text.split('id="ratings"')[1]
    first = re.search(r"<td>1</td><td>([^<]+)</td>", ratings).group(1)
    assert first.startswith("model-a")
    bad = c.post("/vote", data={"csrf": csrf_of(page), "choice": "sideways"})
    assert bad.status_code == 400


def test_vote_ratings_use_the_rank_fit_and_judge_agreement(store):
    from taskladder.rank.comparison import Comparison
    from taskladder.rank.leaderboard import rank_comparisons
    from taskladder.view.state import ViewState
    from taskladder.view.votes import ratings

    a, b, truth = two_runs(store, n=4)
    for eid, winner in (("e0", "a"), ("e1", "a"), ("e2", "tie"), ("e3", "both_bad")):
        store.put_vote("sent", eid, a.run_id, b.run_id, left_run=b.run_id, winner=winner, voter="ann")
    # An arena run judged e0 and e1: B on e0 (disagrees with the human), A on e1 (agrees).
    arena = add_run(store, "run-arena", {"e0": "x", "e1": "x"}, truth=truth)
    arena.pipeline = {"kind": "arena", "players": {"A": a.run_id, "B": b.run_id}}
    store.save_run(arena, "key-arena")
    from taskladder.store import Record

    store.put_records([Record(run_id="run-arena", example_id=e, split="dev", inputs={}, expected={},
                              trace={"comparisons": [{"item": e, "a": "A", "b": "B", "winner": w},
                                                     {"item": e, "a": "B", "b": "A", "winner": "b" if w == "a" else "a"}]})
                       for e, w in (("e0", "b"), ("e1", "a"))])
    got = ratings(ViewState(store=store, csrf="x"), [a, b])
    assert got.votes == 4 and got.judged == 2 and got.agree == 1 and got.agreement == 0.5
    names = {a.run_id: "model-a (aaaaaa)", b.run_id: "model-b (bbbbbb)"}
    same = rank_comparisons([Comparison(item=e, a=names[a.run_id], b=names[b.run_id], winner=w, first="b")
                             for e, w in (("e0", "a"), ("e1", "a"), ("e2", "tie"), ("e3", "tie"))],
                            n_boot=200, first_position=False)
    assert [r.rating for r in got.board.ratings] == pytest.approx([r.rating for r in same.ratings])


def test_repair_keeps_lineage_and_exports_a_table(store):
    a, b, _ = two_runs(store)
    c = client(store)
    token = csrf_of(c.get("/").text)
    for value in ("pos", "neg"):
        c.post("/repairs", data={"csrf": token, "task": "sent", "example_id": "e1", "field": "label", "value": value,
                                 "note": "checked", "action": "correct"})
    c.post("/repairs", data={"csrf": token, "task": "sent", "example_id": "e2", "action": "ambiguous"})
    history = store.gold_patches("sent", history=True)
    assert [(p["old_value"], p["new_value"]) for p in history[:2]] == [("neg", "pos"), ("pos", "neg")]
    assert history[2]["ambiguous"] and all(p["author"] == "ann" for p in history)
    in_force = store.gold_patches("sent")
    assert len(in_force) == 2 and {p["id"] for p in in_force} == {2, 3}
    csv_text = c.get("/patches.csv").text.splitlines()
    assert csv_text[0].startswith("id,task,example_id,field,old_value,new_value,ambiguous,author")
    assert len(csv_text) == 4 and "checked" in csv_text[1]
    page = c.get(f"/compare?{runs_q(a, b)}").text
    assert "patched" in page and "ambiguous" in page
    assert c.post("/repairs", data={"csrf": token, "task": "sent", "example_id": "e1", "field": "nope",
                                    "value": "x", "action": "correct"}).status_code == 400


def test_review_queue_of_disagreements_tracks_progress(store):
    a, b, _ = two_runs(store, n=6)
    c = client(store)
    token = csrf_of(c.get("/").text)
    r = c.post("/queues", data={"csrf": token, "runs": [a.run_id, b.run_id], "only": "disagree", "queue": "q"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queues/q"
    items = store.review_queue("q")
    assert [i["example_id"] for i in items] == ["e1", "e3", "e5"]
    assert "0 / 3 reviewed" in c.get("/queues/q").text
    example = c.get(f"/examples/sent/e1?{runs_q(a, b)}&item={items[0]['id']}").text
    assert 'id="reviewed"' in example
    nxt = c.post(f"/queues/q/items/{items[0]['id']}/done", data={"csrf": token}, follow_redirects=False)
    assert nxt.status_code == 303 and "/examples/sent/e3?" in nxt.headers["location"]
    assert "1 / 3 reviewed" in c.get("/queues/q").text and "1 / 3" in c.get("/queues").text
    again = c.post("/queues", data={"csrf": token, "runs": [a.run_id, b.run_id], "only": "disagree", "queue": "q"})
    assert again.status_code == 200 and len(store.review_queue("q")) == 3  # queued once


WRITER = """
import sys, time
from taskladder.store import Record, Store
store = Store(sys.argv[1])
print("ready", flush=True)
end = time.time() + float(sys.argv[2])
i = 0
while time.time() < end:  # an eval's record batches, one small transaction each
    store.put_records([Record(run_id="run-live", example_id=f"w{i}-{k}", split="dev", inputs={"text": "x" * 200},
                              expected={"label": "pos"}) for k in range(50)])
    i += 1
print(i, flush=True)
"""


def test_the_viewer_reads_while_an_eval_writes_in_another_process(store):
    """WAL: pages keep rendering, quickly, while another process commits record batches."""
    import time as clock

    _, _, truth = two_runs(store)
    add_run(store, "run-live", {"e0": "pos"}, truth=truth, label="live", status="running")
    c = client(store)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(store.path), "3"], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    slowest, pages, seen = 0.0, 0, set()
    while writer.poll() is None:
        start = clock.perf_counter()
        page = c.get("/runs/run-live/row")
        slowest = max(slowest, clock.perf_counter() - start)
        assert page.status_code == 200
        seen.add(re.search(r'<span class="done">(\d+)</span>', page.text).group(1))
        pages += 1
    batches = int(writer.stdout.read().split()[-1])
    assert writer.returncode == 0 and batches > 5
    assert pages > 5 and len(seen) > 2  # progress moved while we read
    assert slowest < 2.0  # never blocked behind the writer (busy_timeout would allow 10 s)


def test_example_page_shows_the_exact_messages_sent(tmp_path, monkeypatch):
    """From the pipeline's plan(example): with --task, or from the run's task spec in the current folder."""
    import yaml
    from helpers import sentiment_rows, write_task

    from taskladder.models.config import load_models
    from taskladder.pipeline import PipelineSpec
    from taskladder.runner import evaluate
    from taskladder.task import load_task

    task_path = write_task(tmp_path / "t", sentiment_rows(40))
    models_path = tmp_path / "models.yaml"
    models_path.write_text(yaml.safe_dump({"models": [{"name": "bot", "model": "scripted", "script": {
        "rules": [{"regex": "great", "answer": "pos"}], "default": "neg"}}]}))
    store = Store(tmp_path / "s.sqlite")
    task, models = load_task(task_path), load_models(models_path)
    spec = PipelineSpec.model_validate({"model": "bot", "demos": {"k": 2}})
    run = evaluate(task, spec, models=models, store=store, progress=False).run
    example = task.dev[0]
    url = f"/examples/t/{example.id}?runs={run.run_id}"
    page = client(store, task=task, models=models).get(url).text
    sent = page.split("messages sent")[1]
    assert "call 1 of 1" in sent and sent.count('<span class="k">user</span>') == 3  # 2 demos + the question
    assert example.inputs["text"] in sent
    monkeypatch.chdir(tmp_path / "t")  # no --task: the stored spec's data file, read from here
    assert "call 1 of 1" in client(store, models=models).get(url).text
    monkeypatch.chdir(tmp_path)
    assert "messages cannot be rebuilt here" in client(store, models=models).get(url).text


def test_runs_page_shows_the_climb_decision(store, tmp_path):
    import json

    a, b, _ = two_runs(store)
    (tmp_path / "out" / "sent").mkdir(parents=True)
    (tmp_path / "out" / "sent" / "climb.json").write_text(json.dumps({
        "task": "sent", "split": "dev", "test": {"status": "ran", "score": 0.8, "ci_low": 0.7, "ci_high": 0.9},
        "recommendation": {"model": "model-b", "rung": "zero-shot", "run_id": b.run_id, "score": 0.5, "ci_low": 0.4,
                           "ci_high": 0.6, "cost_per_1k_calls": 0.25, "projected_monthly_usd": 37.5}}))
    page = client(store, climbs=tmp_path / "out").get("/").text
    decision = page.split('id="decision-sent"')[1].split("</p>")[0]
    assert "model-b · zero-shot" in decision and "$37.50/month" in decision and "Confirmed on test: 0.800" in decision
    row_b = page.split(f'id="run-{b.run_id}"')[1].split("</tr>")[0]
    assert "recommended" in row_b and "recommended" not in page.split(f'id="run-{a.run_id}"')[1].split("</tr>")[0]
    assert "Climb decision" not in client(store, climbs=tmp_path / "nowhere").get("/").text


def test_view_on_a_port_in_use_is_a_one_line_error():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "taskladder", "view", "--port", str(port)], capture_output=True,
                             text=True, timeout=60)
    assert out.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in out.stderr and "Traceback" not in out.stderr


def test_text_search_treats_wildcards_and_quotes_as_text(store):
    truth = {"p1": "pos", "p2": "pos", "p3": "pos"}
    a = add_run(store, "run-s", dict(truth), truth=truth,
                texts={"p1": "100% sure", "p2": 'she said "hi"', "p3": "snake_case here"})
    assert store.search_records(a.run_id, "%") == {"p1"}
    assert store.search_records(a.run_id, "_") == {"p3"}
    assert store.search_records(a.run_id, '"HI"') == {"p2"}
    assert store.search_records(a.run_id, "prediction") == set()  # the record's other parts are not searched


def test_judge_reasoning_shows_beside_human_votes_escaped(store):
    """The arena's stored reasoning is on the example page and the vote page, next to the
    human-vs-judge agreement, with a <script> in it shown as text."""
    from taskladder.store import Record

    a, b, truth = two_runs(store, n=2)
    arena = add_run(store, "run-arena", {"e0": "x"}, truth=truth)
    arena.pipeline = {"kind": "arena", "players": {"A": a.run_id, "B": b.run_id}}
    store.save_run(arena, "key-arena")
    store.put_records([Record(run_id="run-arena", example_id="e0", split="dev", inputs={}, expected={}, trace={
        "comparisons": [{"item": "e0", "a": "A", "b": "B", "winner": "a", "first": "a",
                         "reasoning": "A keeps the label. " + XSS},
                        {"item": "e0", "a": "A", "b": "B", "winner": "a", "first": "b",
                         "reasoning": "Still A."}]})])
    store.put_vote("sent", "e0", a.run_id, b.run_id, left_run=a.run_id, winner="b", voter="ann")
    c = client(store)
    example = c.get(f"/examples/sent/e0?{runs_q(a, b)}").text
    judged = example.split("<h2>LLM judge</h2>")[1].split("</ul>")[0]
    assert "judge picks <b>model-a</b>" in judged and "disagrees with the judge" in judged
    assert "A keeps the label. &lt;script&gt;window.__pwned" in judged and "Still A." in judged
    assert "model-b shown first" in judged
    vote = c.get(f"/vote?{runs_q(a, b)}").text
    assert "agrees with <b>0%</b> of the 1 votes" in vote
    beside = vote.split('id="beside-judge"')[1].split("</table>")[0]
    assert "disagrees" in beside and "A keeps the label. &lt;script&gt;" in beside and "Still A." in beside
    assert "<script>window" not in example and "<script>window" not in vote
