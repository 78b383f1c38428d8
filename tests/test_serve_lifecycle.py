"""The auth rule, bearer tokens, and graceful shutdown (in a thread and with a real SIGTERM)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from test_serve_api import MODEL, Scripted, client, running

from taskladder.errors import ConfigError
from taskladder.serve import check_exposure, create_app, is_loopback, make_server, run_server


@pytest.mark.parametrize("host,loop", [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.com", False),
])
def test_is_loopback(host, loop):
    assert is_loopback(host) is loop


def test_public_host_without_token_is_refused_before_starting():
    async def never(messages, params):  # pragma: no cover - must not be reached
        raise AssertionError("started")

    with pytest.raises(ConfigError) as info:
        run_server(never, "0.0.0.0", 0, guard=None, token=None, model_name=MODEL)
    msg = str(info.value)
    assert "0.0.0.0" in msg and "token" in msg and "\n" not in msg
    with pytest.raises(ConfigError):
        make_server(create_app(never, model_name=MODEL), "10.1.2.3", 8000)
    check_exposure("0.0.0.0", "s3cret")  # a token makes it acceptable
    check_exposure("127.0.0.1", None)  # loopback needs none
    assert make_server(create_app(never, model_name=MODEL, api_token="s3cret"), "0.0.0.0", 8000) is not None


def test_conflicting_tokens_are_refused():
    with pytest.raises(ConfigError, match="differs"):
        make_server(create_app(Scripted(), model_name=MODEL, api_token="a"), "127.0.0.1", 0, "b")


def test_bearer_token_is_checked_on_every_endpoint_but_health():
    app = create_app(Scripted(), model_name=MODEL, max_concurrency=2)
    with running(app, token="s3cret") as (base, _):  # the token given to serve() protects the app
        with pytest.raises(openai.AuthenticationError):
            client(base, "wrong").chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
        r = httpx.post(base + "/v1/chat/completions", json={"model": MODEL, "messages": [{"role": "user", "content": "x"}]})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
        assert httpx.get(base + "/v1/models").status_code == 401
        assert httpx.get(base + "/metrics").status_code == 401
        assert httpx.get(base + "/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert httpx.get(base + "/healthz").status_code == 200
        ok = client(base, "s3cret").chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
        assert ok.choices[0].message.content == "echo: x"


def test_graceful_shutdown_finishes_the_in_flight_request():
    responder = Scripted()
    responder.gate = threading.Event()
    app = create_app(responder, model_name=MODEL, max_concurrency=2)
    body = {"model": MODEL, "messages": [{"role": "user", "content": "slow one"}]}
    with running(app) as (base, server):
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(httpx.post, base + "/v1/chat/completions", json=body, timeout=10)
            deadline = time.time() + 5
            while app.state.limiter.in_flight < 1 and time.time() < deadline:
                time.sleep(0.01)
            server.should_exit = True  # what SIGTERM does
            time.sleep(0.4)
            with pytest.raises(httpx.ConnectError):  # no new connections while draining
                httpx.post(base + "/v1/chat/completions", json=body, timeout=2)
            responder.gate.set()
            r = pending.result()
        assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "echo: slow one"


SERVER_SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from taskladder.serve import ResponderResult, run_server

    async def slow(messages, params):
        await asyncio.sleep(1.0)
        return ResponderResult("finished after SIGTERM", 1, 1)

    run_server(slow, "127.0.0.1", int(sys.argv[1]), guard=None, token=None, model_name="m", max_concurrency=2)
""")


def test_sigterm_lets_the_in_flight_request_finish(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = tmp_path / "server.py"
    script.write_text(SERVER_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start: " + proc.stdout.read().decode()[-2000:])
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(httpx.post, base + "/v1/chat/completions", timeout=10,
                                  json={"model": "m", "messages": [{"role": "user", "content": "go"}]})
            time.sleep(0.3)  # the request is now inside the responder's sleep
            proc.send_signal(signal.SIGTERM)
            r = pending.result()
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"] == "finished after SIGTERM"
        # uvicorn re-raises the signal after its graceful shutdown, so the exit is by SIGTERM.
        assert proc.wait(timeout=15) in (0, -signal.SIGTERM)
        log = proc.stdout.read().decode()
        assert "Shutting down" in log and "Finished server process" in log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
