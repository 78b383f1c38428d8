"""`--backend ray` on a real local Ray cluster: a head and one worker node on this machine, started
once per session (``ray_cluster`` in conftest.py).

The driver keeps the cache, budget, limits and records; provider calls run on Ray workers. So:
records are the local backend's, a model's concurrency and the budget hold across both nodes, and
a driver killed mid-run resumes without repaying a finished call.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from helpers import kill_after_requests, sentiment_responder, sentiment_rows, stored_calls_and_runs, write_task

from taskladder.ladder import LadderOptions, climb
from taskladder.models.config import ModelConfig
from taskladder.runner import calls as calls_module
from taskladder.runner import evaluate
from taskladder.runner import kernel as kernel_module
from taskladder.runner.backend import BackendSpec, use_backend
from taskladder.runner.budget import Budget
from taskladder.runner.ratelimit import RateLimiter
from taskladder.store import Store
from taskladder.task import load_task
from taskladder.testing import LoopbackServer, mapping_responder

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow

RESPONDER = mapping_responder({w: "pos" for w in ("great", "lovely", "excellent", "good", "wonderful")}, default="neg")
LIMIT = 0.001  # USD


@pytest.fixture
def cluster(ray_cluster):
    return ray_cluster  # one cluster for every Ray test of the session (tests/ray_cluster.py)


def _model(srv: LoopbackServer, concurrency: int = 4, **params) -> dict[str, ModelConfig]:
    return {
        "loop": ModelConfig.model_validate(
            {
                "name": "loop",
                "model": "openai/loopback",
                "api_base": srv.base_url,
                "concurrency": concurrency,
                "price": {"input_per_mtok": 1.0, "output_per_mtok": 1.0},
                "params": params,
            }
        )
    }


def _comparable(records) -> list[dict]:
    # The run id and the measured latency are the only fields that may differ between backends.
    return [r.model_dump(exclude={"run_id", "latency_ms"}) for r in records]


def test_eval_on_ray_gives_the_local_records_with_calls_answered_on_both_nodes(cluster, tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(80), split={"dev": 0.5, "test": 0.0, "seed": 1}))
    with LoopbackServer(RESPONDER, latency_ms=20) as srv:
        models = _model(srv)
        local = evaluate(task, "loop", models=models, store=Store(tmp_path / "local.sqlite"), progress=False)
        with use_backend(BackendSpec("ray", cluster)) as pool:
            assert pool is not None
            remote = evaluate(task, "loop", models=models, store=Store(tmp_path / "ray.sqlite"), progress=False)
            workers = pool.workers()
    assert len(remote.records) == 40 and remote.summary.get("errors") == 0
    assert _comparable(remote.records) == _comparable(local.records)
    assert remote.summary.get("calls") == 40 and remote.summary.get("cost_usd_spent") > 0
    # Every paid call was answered by a Ray worker, on both nodes, none by this process.
    assert sum(w["served"] for w in workers) == 40
    assert len({w["node"] for w in workers}) == 2 and os.getpid() not in {w["pid"] for w in workers}, workers


def _max_overlap(received_at: list[float], latency_s: float) -> int:
    """Most requests in flight at once, from arrival times of requests that each take ``latency_s``."""
    times = sorted(received_at)
    return max(sum(1 for u in times if t <= u < t + latency_s * 0.8) for t in times)


def test_concurrency_and_budget_hold_across_the_cluster(cluster, tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(48), split={"dev": 0.5, "test": 0.0, "seed": 1}))
    with LoopbackServer(RESPONDER, latency_ms=150) as srv, use_backend(BackendSpec("ray", cluster, workers=2)):
        limited = evaluate(
            task, "loop", models=_model(srv, concurrency=2), store=Store(tmp_path / "a.sqlite"), progress=False
        )
        overlap = _max_overlap([r.received_at for r in srv.requests], 0.15)
        budget = Budget(LIMIT)  # a few calls' worst case: the rest must be refused, not paid
        capped = evaluate(
            task,
            "loop",
            models=_model(srv, concurrency=8, max_tokens=5),
            store=Store(tmp_path / "b.sqlite"),
            progress=False,
            budget=budget,
            max_error_rate=1.0,
        )
    assert limited.summary.get("calls") == 24 and limited.summary.get("errors") == 0
    assert overlap <= 2, f"{overlap} calls in flight at once with concurrency 2 over two workers"
    assert budget.spent_usd <= LIMIT and budget.refused_calls > 0
    paid = capped.summary.get("calls")
    assert 0 < paid < 24 and capped.summary.get("errors") == 24 - paid
    assert any("budget exhausted" in (r.error or "") for r in capped.records)


def test_driver_killed_mid_run_resumes_on_ray_without_repaying(cluster, tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(120), split={"dev": 0.5, "test": 0.0, "seed": 1})
    home = tmp_path / "home"
    env = {**os.environ, "TASKLADDER_HOME": str(home)}
    with LoopbackServer(RESPONDER, latency_ms=150) as srv:
        models = tmp_path / "models.yaml"
        models.write_text(json.dumps({"models": [_model(srv)["loop"].model_dump(mode="json")]}))
        cmd = [
            sys.executable,
            "-m",
            "taskladder",
            "eval",
            str(task),
            "-m",
            "loop",
            "--models",
            str(models),
            "--json",
            "--quiet",
            "--backend",
            "ray",
            "--address",
            cluster,
        ]
        sent_before = kill_after_requests(cmd, env, srv, wait_s=120)
        persisted, runs_before = stored_calls_and_runs(home)
        assert 0 < len(persisted) < 60 and runs_before[0][1] == "running"

        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-3000:]
        after = [r.body["messages"][-1]["content"] for r in srv.requests[sent_before:]]

    out = json.loads(done.stdout)
    assert out["n"] == 60 and out["score"] == 1.0 and out["errors"] == 0
    assert not persisted & set(after), "a call finished before the kill was paid for again"
    assert len(after) == 60 - len(persisted) and len(set(after)) == len(after)
    assert out["run_id"] == runs_before[0][0]  # the interrupted run was resumed, not replaced


def test_a_worker_killed_mid_run_is_replaced_and_the_run_completes(cluster, tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(80), split={"dev": 0.5, "test": 0.0, "seed": 1}))
    killed = []

    def responder(request):
        if not killed and srv.request_count >= 10:
            killed.append(pool.actors[0])
            ray.kill(pool.actors[0])  # its calls in flight fail; the caller retries them elsewhere
        return RESPONDER(request)

    with LoopbackServer(responder, latency_ms=50) as srv, use_backend(BackendSpec("ray", cluster, workers=2)) as pool:
        assert pool is not None
        result = evaluate(task, "loop", models=_model(srv), store=Store(tmp_path / "a.sqlite"), progress=False)
        replaced = pool.actors[0] is not killed[0]
    assert killed and replaced
    assert len(result.records) == 40 and result.summary.get("errors") == 0 and result.summary.get("score") == 1.0


def test_climb_rungs_on_ray_give_the_local_runs(cluster, tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(48), split={"dev": 0.5, "test": 0.25, "seed": 1}))

    def climb_into(store: Store, out: str):
        return climb(
            task,
            ["loop"],
            models,
            options=LadderOptions(shots=2, rungs=("zero-shot", "few-shot")),
            store=store,
            baselines=[],
            out_dir=tmp_path / out,
            progress=False,
            confirm_on_test=False,
        )

    with LoopbackServer(lambda r: sentiment_responder(r["messages"]), latency_ms=10) as srv:
        models = _model(srv)
        local_store, ray_store = Store(tmp_path / "local.sqlite"), Store(tmp_path / "ray.sqlite")
        local = climb_into(local_store, "local")
        with use_backend(BackendSpec("ray", cluster)) as pool:
            assert pool is not None
            remote = climb_into(ray_store, "ray")
            served = sum(w["served"] for w in pool.workers())
    runs = [
        [sorted(_comparable(store.get_records(r)), key=lambda d: d["example_id"]) for r in result.run_ids]
        for store, result in ((local_store, local), (ray_store, remote))
    ]
    diffs = [
        (i, j, k, a[k], b[k])
        for i, (x, y) in enumerate(zip(*runs))
        for j, (a, b) in enumerate(zip(x, y))
        for k in a
        if a[k] != b[k]
    ]
    assert len(runs[0]) == 2 and not diffs, diffs[:5]
    db = sqlite3.connect(tmp_path / "ray.sqlite")
    paid = db.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    db.close()
    assert paid > 0 and served == paid  # every rung's calls were answered by the Ray workers


WINDOW_S = 1.0  # the rate limiter's window in the test below: rpm/tpm's 60 s, scaled down so it takes seconds


def _most_in(requests, span_s: float, weight=lambda r: 1) -> int:
    """The largest total ``weight`` of requests arriving within any ``span_s`` at the server."""
    times = sorted((r.received_at, weight(r)) for r in requests)
    return max(sum(w for u, w in times if t <= u < t + span_s) for t, _ in times)


def _estimate(request) -> int:
    """The tokens the driver's limiter reserved for a request (ModelCaller's own estimate)."""
    body = request.body
    return sum(len(str(m.get("content", ""))) for m in body["messages"]) // 4 + int(body.get("max_tokens") or 256)


def test_rpm_and_tpm_hold_across_the_cluster(cluster, tmp_path, monkeypatch):
    # One limiter per model on the driver spaces every call, whichever node answers it. Counted at
    # the server over half a window, so the hop to a worker may delay a call by up to half a
    # window without a false failure; a limit held per worker would let both workers' calls
    # through at once (8 requests in the first instant here).
    monkeypatch.setattr(calls_module, "RateLimiter", functools.partial(RateLimiter, window_s=WINDOW_S))
    rpm, tpm, max_tokens = 4, 500, 200  # at most 2 calls per window by tokens: each reserves >= 200

    def limited_run(name: str, n: int, cfg: ModelConfig):
        # Two calls first, one per worker, so each has made its client for this model before the
        # measured run: a worker's first call may be slow, and its delay is not the limiter's.
        warm = load_task(write_task(tmp_path / f"{name}-warm", sentiment_rows(4), split={"dev": 0.5, "test": 0.0}))
        evaluate(warm, "loop", models={"loop": cfg}, store=Store(tmp_path / f"{name}-warm.sqlite"), progress=False)
        task = load_task(write_task(tmp_path / name, sentiment_rows(2 * n), split={"dev": 0.5, "test": 0.0, "seed": 1}))
        sent, started = srv.request_count, time.monotonic()
        result = evaluate(task, "loop", models={"loop": cfg}, store=Store(tmp_path / f"{name}.sqlite"), progress=False)
        return result, time.monotonic() - started, srv.requests[sent:]

    with LoopbackServer(RESPONDER, latency_ms=20) as srv, use_backend(BackendSpec("ray", cluster, workers=2)) as pool:
        assert pool is not None
        loop = _model(srv, concurrency=8)["loop"]
        by_rpm, rpm_took, rpm_requests = limited_run("rpm", 12, loop.model_copy(update={"rpm": rpm}))
        served = [w["served"] for w in pool.workers()]
        capped = _model(srv, concurrency=8, max_tokens=max_tokens)["loop"].model_copy(update={"tpm": tpm})
        by_tpm, tpm_took, tpm_requests = limited_run("tpm", 6, capped)
    assert by_rpm.summary.get("calls") == 12 and by_rpm.summary.get("errors") == 0
    assert all(n > 2 for n in served), served  # both workers, one per node, answered measured calls
    assert _most_in(rpm_requests, WINDOW_S / 2) <= rpm
    assert rpm_took >= 2 * WINDOW_S * 0.9  # 12 calls at 4 a window: the third four wait two windows
    assert by_tpm.summary.get("calls") == 6 and by_tpm.summary.get("errors") == 0
    assert _most_in(tpm_requests, WINDOW_S / 2, _estimate) <= tpm
    assert _most_in(tpm_requests, WINDOW_S / 2) <= 2
    assert tpm_took >= 2 * WINDOW_S * 0.9  # 6 calls at 2 a window


def test_progress_and_spend_advance_as_ray_workers_answer(cluster, tmp_path, monkeypatch):
    # The bar (done/total, ETA, cost so far) is the local backend's: the driver advances it as each
    # worker's answer arrives, so it moves during the run rather than jumping at the end.
    seen: list[tuple[float, int, float]] = []
    real_bar = kernel_module.progress_bar

    @contextmanager
    def recording_bar(description, total, stats, enabled=True):
        with real_bar(description, total, stats, enabled) as bar:

            class Handle:
                def advance(self, n: int = 1) -> None:
                    bar.advance(n)
                    seen.append((time.time(), n, stats.spent_usd))

            yield Handle()

    monkeypatch.setattr(kernel_module, "progress_bar", recording_bar)
    task = load_task(write_task(tmp_path / "t", sentiment_rows(48), split={"dev": 0.5, "test": 0.0, "seed": 1}))
    with LoopbackServer(RESPONDER, latency_ms=100) as srv, use_backend(BackendSpec("ray", cluster, workers=2)):
        result = evaluate(
            task, "loop", models=_model(srv, concurrency=4), store=Store(tmp_path / "a.sqlite"), progress=True
        )
        last_sent = max(r.received_at for r in srv.requests)
    assert result.summary.get("calls") == 24 and sum(n for _, n, _ in seen) == 24
    # 4 calls in flight of 24: most of the bar moved while later calls had still to be sent.
    assert sum(n for at, n, _ in seen if at < last_sent) >= 12, seen
    spend = [s for _, _, s in seen]
    assert 0 < spend[0] < spend[-1] and spend == sorted(spend)  # cost so far grows with the answers
