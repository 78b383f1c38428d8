"""Run generated Python against unit tests in a sandboxed child process.

Layers, each covering what another may miss:
- a separate process, ``python -I -S -B``: no environment-driven behaviour, no user or site
  packages (standard library only), no bytecode writes;
- an empty environment (only ``LC_ALL``, ``HOME``/``TMPDIR`` pointing at the work dir), so API
  keys and other secrets in the parent's environment are not there to read;
- a fresh temporary work directory, removed afterwards;
- rlimits set by the child before user code: CPU seconds (RLIMIT_CPU), address space
  (RLIMIT_AS), file size (RLIMIT_FSIZE, bounds the captured output), open files, no core
  dumps, and RLIMIT_NPROC (not enforced for root, hence the next layers);
- an audit hook installed before user code (see ``_sandbox_child``) refusing network,
  process creation, signals to other processes, ctypes, and file access outside the work
  directory except reading the standard library;
- a network namespace with no interfaces (``unshare -n``) when the machine permits it;
- a wall-clock limit, after which the child's whole process group is killed (also done on
  every normal exit, so nothing it started outlives it).

Not a defence against code written specifically to defeat CPython's audit hooks or to
forge a pass by inspecting the harness's memory; it is meant for model-generated code,
which is usually wrong rather than hostile, and sometimes harmful by accident.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

log = logging.getLogger(__name__)

_CHILD = Path(__file__).with_name("_sandbox_child.py")
_MAX_CAPTURE = 64 * 1024

Status = Literal["passed", "failed", "timeout", "cpu_limit", "memory_limit", "output_limit", "blocked", "killed"]


class SandboxResult(BaseModel):
    passed: bool
    status: Status
    stdout: str
    stderr: str
    duration_s: float
    returncode: int | None = None
    network_namespace: bool = False  # whether the unshare -n layer was used


@lru_cache(maxsize=1)
def _unshare_prefix() -> tuple[str, ...]:
    """``("unshare", "-n")`` when this machine lets us create a network namespace, else ()."""
    exe = shutil.which("unshare")
    if not exe:
        return ()
    try:
        ok = subprocess.run([exe, "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    if not ok:
        log.debug("unshare -n is not permitted here; the sandbox relies on its audit hook for network isolation")
    return (exe, "-n") if ok else ()


def _read_capped(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(_MAX_CAPTURE + 1)
    except OSError:
        return ""
    text = data[:_MAX_CAPTURE].decode("utf-8", "replace")
    return text + ("\n[output truncated]" if len(data) > _MAX_CAPTURE else "")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group has already exited (or its pid was reused): nothing left to kill


def _classify(rc: int | None, timed_out: bool, stdout: str, stderr: str, nonce: str) -> Status:
    if timed_out:
        return "timeout"
    if rc == 0 and stdout.rstrip("\n").endswith(nonce):
        return "passed"
    if rc in (-signal.SIGXCPU, -signal.SIGKILL) and "MemoryError" not in stderr:
        return "cpu_limit" if rc == -signal.SIGXCPU else "killed"
    if rc == -signal.SIGXFSZ or "File too large" in stderr:  # CPython ignores SIGXFSZ: EFBIG instead
        return "output_limit"
    if rc == 3 or "MemoryError" in stderr:
        return "memory_limit"
    if rc == 4 or "[sandbox] blocked:" in stderr:
        return "blocked"
    if rc is not None and rc < 0:
        return "killed"
    return "failed"


def run_python(
    code: str, tests: str = "", *, timeout_s: float = 10.0, cpu_s: float | None = None, memory_mb: int = 512,
    output_mb: int = 8, network_namespace: bool = True,
) -> SandboxResult:
    """Run ``code`` then ``tests`` (same namespace) in the sandbox; passed = both ran cleanly.

    ``tests`` is plain Python that raises on failure (asserts, or a ``check(fn)`` call).
    ``cpu_s`` defaults to ``timeout_s``. ``network_namespace=False`` skips ``unshare -n``.
    """
    cpu_s = timeout_s if cpu_s is None else cpu_s
    base = Path(tempfile.mkdtemp(prefix="taskladder-sandbox-"))
    work = base / "work"
    work.mkdir(mode=0o700)
    nonce = secrets.token_hex(16)
    payload = base / "payload.json"
    payload.write_text(
        json.dumps({
            "code": code, "tests": tests, "nonce": nonce, "workdir": str(work), "cpu_s": max(1, int(round(cpu_s))),
            "memory_mb": memory_mb, "output_mb": output_mb,
        }),
        encoding="utf-8",
    )
    prefix = _unshare_prefix() if network_namespace else ()
    cmd = [*prefix, sys.executable, "-I", "-S", "-B", "-X", "utf8", str(_CHILD), str(payload)]
    env = {"LC_ALL": "C.UTF-8", "HOME": str(work), "TMPDIR": str(work)}
    out_path, err_path = base / "stdout.txt", base / "stderr.txt"
    timed_out = False
    start = time.perf_counter()
    try:
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=str(work), env=env,
                start_new_session=True, close_fds=True,
            )
            try:
                rc: int | None = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc.pid)
                rc = proc.wait()
            finally:
                _kill_group(proc.pid)  # anything it started dies with it
        duration = time.perf_counter() - start
        stdout, stderr = _read_capped(out_path), _read_capped(err_path)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    status = _classify(rc, timed_out, stdout, stderr, nonce)
    if status == "passed":
        stdout = stdout.rstrip("\n")[: -len(nonce)].rstrip("\n")
    return SandboxResult(
        passed=status == "passed", status=status, stdout=stdout, stderr=stderr, duration_s=duration,
        returncode=rc, network_namespace=bool(prefix),
    )


class PythonTestsVerifier:
    """A ``Verifier`` that runs each candidate program against fixed tests in the sandbox."""

    def __init__(self, tests: str, *, timeout_s: float = 10.0, memory_mb: int = 512):
        self.tests, self.timeout_s, self.memory_mb = tests, timeout_s, memory_mb

    def __call__(self, candidate: str):  # -> VerifyResult
        from .result import VerifyResult

        res = run_python(candidate, self.tests, timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        detail = "" if res.passed else f"{res.status}: {(res.stderr.strip().splitlines() or [''])[-1][:200]}"
        return VerifyResult(passed=res.passed, score=1.0 if res.passed else 0.0, detail=detail,
                            info={"status": res.status, "duration_s": res.duration_s})


def run_many(
    programs: Sequence[tuple[str, str]], *, workers: int = 2, timeout_s: float = 10.0, memory_mb: int = 512,
) -> list[SandboxResult]:
    """Run (code, tests) pairs with ``workers`` sandboxes at a time; results in input order.

    Threads suffice: each one only waits on its child process.
    """
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda p: run_python(p[0], p[1], timeout_s=timeout_s, memory_mb=memory_mb), programs))
