"""``LoopbackProcess``: the loopback server in a child process, for benchmarks.

An in-process ``LoopbackServer`` shares the GIL with the client it serves; when the client is
CPU-heavy (the ``openai`` SDK builds pydantic objects per response), the two threads take turns
and measured latency includes that wait. A child process removes the sharing. It trades away
what needs the same process: Python responders and ``requests`` inspection.
"""

from __future__ import annotations

import select
import subprocess
import sys
from collections.abc import Iterable


class LoopbackProcess:
    """``python -m taskladder.testing.loopback`` on a free port, as a context manager."""

    def __init__(
        self,
        *,
        latency_ms: float = 0.0,
        fault_rate: float = 0.0,
        fault_kinds: Iterable[str] = ("429", "500"),
        seed: int = 0,
        retry_after_s: float = 1.0,
        models: Iterable[str] = ("loopback",),
        startup_timeout_s: float = 60.0,
    ):
        self._args = [
            "--port", "0", "--latency-ms", str(latency_ms), "--fault-rate", str(fault_rate),
            "--fault-kinds", ",".join(str(k) for k in fault_kinds), "--seed", str(seed),
            "--retry-after-s", str(retry_after_s),
        ]
        for model in models:
            self._args += ["--model", model]
        self._startup_timeout_s = startup_timeout_s
        self._proc: subprocess.Popen[str] | None = None
        self.base_url: str | None = None

    def start(self) -> LoopbackProcess:
        if self._proc is not None:
            raise RuntimeError("LoopbackProcess already started")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "taskladder.testing.loopback", *self._args],
            stdout=subprocess.PIPE, text=True,
        )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], self._startup_timeout_s)
        line = self._proc.stdout.readline().strip() if ready else ""
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"loopback server process did not start (first output line: {line!r})")
        self.base_url = line
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        self.base_url = None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> LoopbackProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
